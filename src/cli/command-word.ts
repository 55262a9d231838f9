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
