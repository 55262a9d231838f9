/**
 * The webhook group commit without HTTP or SQLite: a fake commit records its batches, and the
 * event loop's check phase is a queue the test runs by hand.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupCommit } from "../../src/http/group-commit.js";

interface Harness {
  gc: GroupCommit<string, string>;
  batches: string[][];
  /** Runs what the committer scheduled for the next check phase; false when nothing was. */
  tick: () => boolean;
  scheduled: () => number;
}

function harness(
  opts: {
    maxCount?: number;
    maxBytes?: number;
    commit?: (items: string[]) => string[] | Promise<string[]>;
  } = {},
): Harness {
  const batches: string[][] = [];
  const queue: (() => void)[] = [];
  const gc = new GroupCommit<string, string>({
    commit: (items) => {
      batches.push([...items]);
      return opts.commit ? opts.commit(items) : items.map((i) => `job-${i}`);
    },
    schedule: (fn) => queue.push(fn),
    maxCount: opts.maxCount ?? 100,
    maxBytes: opts.maxBytes ?? 1_000_000,
  });
  return {
    gc,
    batches,
    tick: () => {
      const fn = queue.shift();
      fn?.();
      return fn !== undefined;
    },
    scheduled: () => queue.length,
  };
}

describe("GroupCommit", () => {
  it("the first request at idle commits at once, inside submit: no timer, no wait for company", async () => {
    const h = harness();
    const answer = h.gc.submit("a", 10);
    assert.deepEqual(h.batches, [["a"]], "committed before submit returned");
    assert.equal(await answer, "job-a", "answered without the loop's next turn");
  });

  it("requests arriving while a commit is in flight join the next one; then the committer is idle again", async () => {
    const h = harness();
    const a = h.gc.submit("a", 1);
    const b = h.gc.submit("b", 1);
    const c = h.gc.submit("c", 1);
    assert.deepEqual(h.batches, [["a"]], "b and c wait for the next commit");
    assert.equal(h.gc.pending, 2);
    assert.equal(await a, "job-a", "a is answered after its own commit, not after the batch behind it");
    assert.ok(h.tick());
    assert.deepEqual(h.batches, [["a"], ["b", "c"]], "one commit for both");
    assert.deepEqual(await Promise.all([b, c]), ["job-b", "job-c"], "each gets its own result");
    assert.ok(h.tick(), "after a commit the committer looks once more for arrivals");
    assert.equal(h.scheduled(), 0, "nothing queued: idle, nothing scheduled");
    const d = h.gc.submit("d", 1);
    assert.deepEqual(h.batches.at(-1), ["d"], "idle again: the next request commits at once");
    assert.equal(await d, "job-d");
  });

  it("with an asynchronous commit, later requests wait for it and share the next", async () => {
    let release: (r: string[]) => void = () => {};
    let calls = 0;
    const h = harness({
      commit: (items) => {
        calls += 1;
        if (calls === 1) return new Promise((resolve) => (release = resolve));
        return items.map((i) => `job-${i}`);
      },
    });
    const a = h.gc.submit("a", 1);
    const b = h.gc.submit("b", 1);
    const c = h.gc.submit("c", 1);
    let bAnswered = false;
    void b.then(() => (bAnswered = true));
    assert.equal(h.tick(), false, "nothing scheduled while the first commit is in flight");
    await Promise.resolve();
    assert.equal(bAnswered, false);
    release(["job-a"]);
    assert.equal(await a, "job-a");
    assert.ok(h.tick());
    assert.deepEqual(h.batches, [["a"], ["b", "c"]]);
    assert.deepEqual(await Promise.all([b, c]), ["job-b", "job-c"]);
  });

  it("a failing commit rejects every request of its batch with the error, and only those", async () => {
    const refused = Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" });
    let fail = false;
    const h = harness({
      commit: (items) => {
        if (fail) throw refused;
        return items.map((i) => `job-${i}`);
      },
    });
    const a = h.gc.submit("a", 1);
    fail = true;
    const b = h.gc.submit("b", 1);
    const c = h.gc.submit("c", 1);
    assert.equal(await a, "job-a");
    h.tick();
    await assert.rejects(b, (e) => e === refused);
    await assert.rejects(c, (e) => e === refused);
    fail = false;
    h.tick();
    const d = h.gc.submit("d", 1);
    assert.equal(await d, "job-d", "the committer recovers: the next request commits");
  });

  it("an asynchronous commit that rejects rejects its whole batch", async () => {
    const h = harness({ commit: () => Promise.reject(new Error("busy")) });
    await assert.rejects(h.gc.submit("a", 1), /busy/);
  });

  it("a commit that returns the wrong number of results answers none of them as committed", async () => {
    const h = harness({ commit: () => ["only-one"] });
    const a = h.gc.submit("a", 1);
    const b = h.gc.submit("b", 1);
    const c = h.gc.submit("c", 1);
    assert.equal(await a, "only-one");
    h.tick();
    await assert.rejects(b, /1 results for a batch of 2/);
    await assert.rejects(c, /1 results for a batch of 2/);
  });

  it("a batch holds at most maxCount requests; the rest go to the commits after it, in order", async () => {
    const h = harness({ maxCount: 2 });
    const all = ["a", "b", "c", "d", "e", "f"].map((x) => h.gc.submit(x, 1));
    while (h.tick()) {}
    assert.deepEqual(h.batches, [["a"], ["b", "c"], ["d", "e"], ["f"]]);
    assert.deepEqual(await Promise.all(all), ["job-a", "job-b", "job-c", "job-d", "job-e", "job-f"]);
  });

  it("a batch holds at most maxBytes; a request larger than that alone still commits, alone", async () => {
    const h = harness({ maxBytes: 10 });
    h.gc.submit("first", 1);
    const rest = [
      h.gc.submit("a4", 4),
      h.gc.submit("b4", 4),
      h.gc.submit("c4", 4),
      h.gc.submit("big", 25),
      h.gc.submit("d6", 6),
    ];
    while (h.tick()) {}
    assert.deepEqual(h.batches, [["first"], ["a4", "b4"], ["c4"], ["big"], ["d6"]]);
    assert.equal((await Promise.all(rest)).length, 5);
  });

  it("refuses bounds that would never commit anything", () => {
    const noop = { commit: () => [], schedule: () => {} };
    assert.throws(
      () => new GroupCommit({ ...noop, maxCount: 0, maxBytes: 10 }),
      /maxCount must be >= 1, got 0/,
    );
    assert.throws(
      () => new GroupCommit({ ...noop, maxCount: 1, maxBytes: 0 }),
      /maxBytes must be >= 1, got 0/,
    );
  });
});
