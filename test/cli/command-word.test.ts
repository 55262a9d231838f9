import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commandWord } from "../../src/cli/command-word.js";

describe("commandWord", () => {
  const argv = (...args: string[]) => ["node", "postern", ...args];
  it("finds the command after global options and their values", () => {
    assert.equal(commandWord(argv("start")), "start");
    assert.equal(commandWord(argv("-c", "start.yaml", "status", "--json")), "status");
    assert.equal(commandWord(argv("--config", "x.yaml", "jobs", "list")), "jobs");
    assert.equal(commandWord(argv("--config=start", "run", "echo")), "run");
    assert.equal(commandWord(argv("--", "reload")), "reload");
  });
  it("is null without one (help, version)", () => {
    assert.equal(commandWord(argv()), null);
    assert.equal(commandWord(argv("--help")), null);
    assert.equal(commandWord(argv("-c", "x.yaml")), null);
  });
});
