/** The command word in argv (skipping the global `-c/--config <path>`), if any. */
export function commandWord(argv: string[]): string | null {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-c" || a === "--config") {
      i += 1;
      continue;
    }
    if (a === "--") return args[i + 1] ?? null;
    if (!a.startsWith("-")) return a;
  }
  return null;
}

/**
 * `postern -h start` means start's help: a help flag before the command word moves behind it
 * (commander would print the top-level help, listing only the one command loaded).
 */
export function helpAfterCommand(argv: string[]): string[] {
  const word = commandWord(argv);
  if (word === null) return argv;
  const at = argv.indexOf(word, 2);
  const before = argv.slice(2, at);
  if (!before.some((a) => a === "-h" || a === "--help")) return argv;
  return [
    ...argv.slice(0, 2),
    ...before.filter((a) => a !== "-h" && a !== "--help"),
    ...argv.slice(at),
    "--help",
  ];
}

/** What `postern start` was given, when its argv is one of the plain forms (see plainStartArgs). */
export interface PlainStartArgs {
  config?: string;
  logFormat: string;
}

/**
 * The daemon's own command line read without commander: `start` with only `-c/--config <path>`
 * and `--log-format <format>` (either before or after the word, `--opt=value` too; the last
 * one given wins, as in commander). Anything else — help, a typo, `--`, an option value that
 * looks like an option — is null, and commander parses it with all its messages. The daemon
 * then never loads commander (docs/performance.md, issue 21 item 3).
 */
export function plainStartArgs(argv: string[]): PlainStartArgs | null {
  const out: PlainStartArgs = { logFormat: "json" };
  let word = false;
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const [name, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, null];
    if (name === "-c" || name === "--config" || (name === "--log-format" && word)) {
      const value = inline ?? args[++i];
      if (value === undefined || value === "" || (inline === null && value.startsWith("-"))) return null;
      if (name === "--log-format") out.logFormat = value;
      else out.config = value;
    } else if (a === "start" && !word) {
      word = true;
    } else {
      return null;
    }
  }
  return word ? out : null;
}
