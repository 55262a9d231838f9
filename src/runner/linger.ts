/**
 * When the process is done: it exited and both pipes closed, or — when a grandchild holds a
 * pipe open after the main process is gone — `lingerMs` after the exit, so the attempt uses
 * what was read instead of waiting on the grandchild (the end then takes the group down).
 */
import type { ChildProcess } from "node:child_process";
import type { GroupWatch } from "./watch.js";

export function exitedAndDrained(
  child: ChildProcess,
  watch: GroupWatch,
  pipesClosed: Promise<void>,
  lingerMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      watch.exit = { code, signal };
      watch.after(lingerMs, resolve);
      void pipesClosed.then(() => resolve());
    });
  });
}
