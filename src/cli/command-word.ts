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
