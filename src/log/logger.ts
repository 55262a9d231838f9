/**
 * Core logs (docs/daemon.md, "Logs"): JSON lines on stdout with `timestamp`, `level`, `component`,
 * `plugin`/`job_id` when relevant and `message`. pino's own names (time, msg, numeric
 * levels, pid/hostname) are renamed or dropped to match. `pretty` is for a person at a
 * terminal: one aligned line per entry, no extra dependency.
 */
import { pino } from "pino";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "pretty";
export type Logger = pino.Logger;

export function createLogger(opts: {
  level: LogLevel;
  format?: LogFormat;
  destination?: NodeJS.WritableStream;
}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: null,
    messageKey: "message",
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
  const destination = opts.destination ?? process.stdout;
  if (opts.format === "pretty") return pino(options, prettyStream(destination));
  return pino(options, destination as pino.DestinationStream);
}

const LEVEL_COLUMN: Record<string, string> = { debug: "DEBUG", info: "INFO ", warn: "WARN ", error: "ERROR" };
const PRETTY_SKIP = new Set(["timestamp", "level", "message", "component"]);

function prettyStream(out: NodeJS.WritableStream): pino.DestinationStream {
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      const time = String(entry.timestamp ?? "").slice(11, 23);
      const level = LEVEL_COLUMN[String(entry.level)] ?? String(entry.level);
      const component = entry.component ? `[${entry.component}] ` : "";
      const extras = Object.entries(entry)
        .filter(([k]) => !PRETTY_SKIP.has(k))
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      out.write(`${time} ${level} ${component}${entry.message ?? ""}${extras ? `  ${extras}` : ""}\n`);
    },
  };
}
