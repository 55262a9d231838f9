/**
 * An idle daemon without schedules never touches Intl: naming the host's time zone ("local",
 * the default) is what maps ICU's zone and locale data into the process, ~6 MB of RSS that it
 * then keeps (docs/performance.md, issue 21 item 3). Counted on the real scheduler's tick.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { harness } from "./helpers.js";

const NO_SCHEDULE = ["service:", "  timezone: local", "plugins:", "  p: {}"].join("\n");
const HOURLY = ["service:", "  timezone: local", "plugins:", "  p:", "    schedule: { every: 1h }"].join(
  "\n",
);

describe("scheduler: idle footprint", () => {
  const original = Intl.DateTimeFormat;
  let constructed = 0;
  beforeEach(() => {
    constructed = 0;
    const counting = function (this: unknown, ...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      constructed += 1;
      return new original(...args);
    } as unknown as typeof Intl.DateTimeFormat;
    Object.defineProperty(counting, "prototype", { value: original.prototype });
    counting.supportedLocalesOf = original.supportedLocalesOf;
    Intl.DateTimeFormat = counting;
  });
  afterEach(() => {
    Intl.DateTimeFormat = original;
  });

  it("ticks of a config without schedules create no Intl.DateTimeFormat", () => {
    const h = harness(NO_SCHEDULE);
    for (let i = 0; i < 3; i++) {
      h.clock.advance(60_000);
      h.scheduler.tick();
    }
    assert.equal(constructed, 0);
  });

  it("a schedule in the host's zone does resolve the zone (the counter sees it)", () => {
    const h = harness(HOURLY);
    h.scheduler.tick();
    assert.ok(constructed > 0, "the tick planned the run in the host's named zone");
    assert.ok(h.store.schedule("p"), "and planned it");
  });
});
