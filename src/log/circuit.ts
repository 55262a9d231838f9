/** One wording for circuit transitions, wherever they happen (attempt commit, tick, reset). */
import { isoUtc } from "../core/clock.js";
import type { BreakerTransition } from "../store/index.js";
import type { Logger } from "./logger.js";

/** `log` should carry the plugin already (a job's or `log.child({ plugin })`). */
export function logBreakerTransition(log: Logger, t: BreakerTransition, resetAfterMs?: number): void {
  const fields = {
    command: t.command,
    circuit: t.to,
    previous: t.from,
    failures: t.failures,
    opened_at: t.opened_at,
    reason: t.reason,
  };
  const circuit = `circuit of ${t.plugin} ${t.command}`;
  const gatesPolls = t.command === "poll";
  if (t.to === "open") {
    const until =
      resetAfterMs === undefined || t.opened_at === null
        ? null
        : isoUtc(Date.parse(t.opened_at) + resetAfterMs);
    const tail = gatesPolls && until !== null ? `; no scheduled polls until ${until}` : "";
    log.warn({ ...fields, half_open_at: until }, `circuit opened: ${circuit}: ${t.reason}${tail}`);
  } else if (t.to === "half_open") {
    const tail = gatesPolls ? "; one scheduled trial poll allowed" : "";
    log.info(fields, `circuit half-open: ${circuit}: ${t.reason}${tail}`);
  } else {
    log.info(fields, `circuit closed: ${circuit}: ${t.reason}`);
  }
}
