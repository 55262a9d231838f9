import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../src/core/clock.js";
import { Dispatcher } from "../../src/dispatcher/dispatcher.js";

interface FakeJob {
  id: number;
  readyAt: number;
}

/** A queue in memory: the dispatcher only sees the functions, as in the daemon. */
function harness(clock = new FakeClock()) {
  const queue: FakeJob[] = [];
  const ran: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const gates = new Map<number, () => void>();
  const errors: unknown[] = [];
  const executed: ((id: number) => void)[] = [];
  const dispatcher = new Dispatcher<FakeJob>({
    clock,
    claimNext: (now) => {
      const i = queue.findIndex((j) => j.readyAt <= now);
      return i === -1 ? null : (queue.splice(i, 1)[0] as FakeJob);
    },
    execute: async (job) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      ran.push(job.id);
      for (const cb of executed) cb(job.id);
      const gate = gates.get(job.id);
      if (gate) await new Promise<void>((r) => gates.set(job.id, r));
      inFlight -= 1;
    },
    nextReadyAt: () => (queue.length === 0 ? null : Math.min(...queue.map((j) => j.readyAt))),
    onError: (e) => errors.push(e),
  });
  const nextRun = () => new Promise<number>((resolve) => executed.push(resolve));
  return { dispatcher, queue, ran, gates, errors, nextRun, maxInFlight: () => maxInFlight, clock };
}

describe("Dispatcher", () => {
  it("a job submitted to an idle dispatcher starts synchronously on wake (no polling delay)", () => {
    const h = harness();
    h.dispatcher.start();
    h.queue.push({ id: 1, readyAt: 0 });
    h.dispatcher.wake();
    // execute() is entered within wake() itself: zero timer hops.
    assert.deepEqual(h.ran, [1]);
  });

  it("runs one job at a time, in the order the queue gives them", async () => {
    const h = harness();
    h.gates.set(1, () => {});
    h.queue.push({ id: 1, readyAt: 0 }, { id: 2, readyAt: 0 }, { id: 3, readyAt: 0 });
    h.dispatcher.start();
    assert.deepEqual(h.ran, [1]);
    h.dispatcher.wake();
    h.dispatcher.wake();
    assert.deepEqual(h.ran, [1], "wakes while busy do not start a second job");
    const third = new Promise<void>((resolve) => {
      const check = () => (h.ran.length === 3 ? resolve() : setImmediate(check));
      check();
    });
    h.gates.get(1)?.();
    await third;
    assert.deepEqual(h.ran, [1, 2, 3]);
    assert.equal(h.maxInFlight(), 1);
  });

  it("a job enqueued while another runs is taken right after it", async () => {
    const h = harness();
    h.gates.set(1, () => {});
    h.queue.push({ id: 1, readyAt: 0 });
    h.dispatcher.start();
    h.queue.push({ id: 2, readyAt: 0 });
    h.dispatcher.wake();
    const second = h.nextRun();
    h.gates.get(1)?.();
    assert.equal(await second, 2);
  });

  it("stop() waits for the job in flight and takes no new work", async () => {
    const h = harness();
    h.gates.set(1, () => {});
    h.queue.push({ id: 1, readyAt: 0 }, { id: 2, readyAt: 0 });
    h.dispatcher.start();
    let stopped = false;
    const stopping = h.dispatcher.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, "still waiting for job 1");
    h.gates.get(1)?.();
    await stopping;
    assert.deepEqual(h.ran, [1]);
    h.dispatcher.wake();
    assert.deepEqual(h.ran, [1], "no work after stop");
  });

  it("a failing queue is retried with backoff, not in a tight loop", () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    let claims = 0;
    const timers: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    // Record the delay the dispatcher arms after the failure instead of waiting for it.
    globalThis.setTimeout = ((_fn: () => void, ms: number) => {
      timers.push(ms);
      return realSetTimeout(() => {}, 0);
    }) as typeof setTimeout;
    try {
      const d = new Dispatcher<number>({
        clock,
        claimNext: () => {
          claims += 1;
          throw new Error("SQLITE_FULL");
        },
        execute: async () => {},
        nextReadyAt: () => clock.now(),
        onError: (e) => errors.push(e),
      });
      d.start();
      d.halt();
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    assert.equal(claims, 1);
    assert.equal((errors[0] as Error).message, "SQLITE_FULL");
    assert.deepEqual(timers, [1000], "backs off 1 s instead of re-claiming at once for the due retry");
  });

  it("a retry that became due after the last claim is looked at again at once; twice in a row, in a second", async () => {
    const clock = new FakeClock();
    const timers: number[] = [];
    const queue: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((_fn: () => void, ms: number) => {
      timers.push(ms);
      return realSetTimeout(() => {}, 0);
    }) as typeof setTimeout;
    try {
      const d = new Dispatcher<number>({
        clock,
        claimNext: () => queue.shift() ?? null,
        execute: async () => {},
        // A retry that is due by the time the timer is armed.
        nextReadyAt: () => clock.now(),
        onError: (e) => assert.fail(String(e)),
      });
      d.start();
      assert.deepEqual(timers, [0], "due between the claim and the arm: at once");
      d.wake();
      assert.deepEqual(timers, [0, 1000], "still not claimable: once a second, not a tight loop");
      queue.push(7);
      d.wake();
      await d.idle(); // job 7 ran; nothing left and the retry is due again: at once again
      assert.deepEqual(timers, [0, 1000, 0], "a claim in between starts the count over");
      d.halt();
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
  });

  it("errors from claim or execute are reported, never thrown out of the loop", async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    let calls = 0;
    const d = new Dispatcher<number>({
      clock,
      claimNext: () => {
        calls += 1;
        return calls === 1 ? 1 : null;
      },
      execute: async () => {
        throw new Error("boom");
      },
      nextReadyAt: () => null,
      onError: (e) => errors.push(e),
    });
    d.start();
    await d.stop();
    assert.equal((errors[0] as Error).message, "boom");
  });

  it("exclusive tasks run one after another, and no job runs beside either", async () => {
    const h = harness();
    h.dispatcher.start();
    const log: string[] = [];
    let releaseFirst = () => {};
    const first = h.dispatcher.exclusive(async () => {
      log.push("first start");
      await new Promise<void>((r) => {
        releaseFirst = r;
      });
      log.push("first end");
    });
    const second = h.dispatcher.exclusive(async () => {
      log.push("second start");
    });
    h.queue.push({ id: 1, readyAt: 0 });
    h.dispatcher.wake();
    // Let every pending microtask run: the second task must still wait for the first.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ["first start"]);
    assert.deepEqual(h.ran, [], "no job is claimed while an exclusive task runs or waits");
    releaseFirst();
    await Promise.all([first, second]);
    assert.deepEqual(log, ["first start", "first end", "second start"]);
    assert.deepEqual(h.ran, [1], "the queue resumes afterwards");
  });

  it("runs a job claimed ahead next without claiming, and gives it back when a stop comes first", async () => {
    const clock = new FakeClock();
    const queue = [1, 2, 3];
    const claims: number[] = [];
    const ran: number[] = [];
    const released: number[] = [];
    const d = new Dispatcher<number>({
      clock,
      claimNext: () => {
        const job = queue.shift() ?? null;
        if (job !== null) claims.push(job);
        return job;
      },
      execute: async (job, mayClaimAhead) => {
        ran.push(job);
        await Promise.resolve();
        // As the daemon does: claim the next one in the "commit" when allowed.
        return mayClaimAhead() ? (queue.shift() ?? null) : null;
      },
      release: (job) => {
        released.push(job);
        queue.unshift(job);
      },
      nextReadyAt: () => null,
      onError: (e) => assert.fail(String(e)),
    });
    d.start();
    await d.idle();
    assert.deepEqual(ran, [1, 2, 3]);
    assert.deepEqual(claims, [1], "jobs 2 and 3 came with the previous commit");
    assert.equal(released.length, 0);

    // A stop between the commit that claimed ahead and the next run: the job goes back.
    queue.push(4, 5);
    let claimedAhead = null as number | null;
    const e = new Dispatcher<number>({
      clock,
      claimNext: () => queue.shift() ?? null,
      execute: async (_job, mayClaimAhead) => {
        claimedAhead = mayClaimAhead() ? (queue.shift() ?? null) : null;
        e.halt();
        return claimedAhead;
      },
      release: (job) => {
        released.push(job);
        queue.unshift(job);
      },
      nextReadyAt: () => null,
      onError: (err) => assert.fail(String(err)),
    });
    e.start();
    await e.idle();
    assert.equal(claimedAhead, 5);
    assert.deepEqual(released, [5], "claimed ahead, not run: released to the queue");
    assert.deepEqual(queue, [5]);
  });
});
