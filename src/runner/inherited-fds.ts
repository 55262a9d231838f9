/**
 * Descriptors the core inherited from whatever started it (a shell's redirections, a supervisor's
 * sockets, a test runner's pipes) would otherwise pass on to every plugin: Node marks its own
 * descriptors close-on-exec, but leaves inherited ones as they came. Marking them all
 * close-on-exec once, before this process's first spawn, means a plugin gets stdin, stdout,
 * stderr and nothing else (docs/plugins.md). Once per process, not per spawn: Node opens all its
 * own descriptors close-on-exec, so no new inheritable one appears later; and commands that run
 * no plugin never load fs-ext for it.
 */
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface FsExt {
  fcntlSync: (fd: number, cmd: "getfd" | "setfd", arg?: number) => number;
  constants: { FD_CLOEXEC: number };
}

let done = false;

export function closeInheritedOnExecOnce(): void {
  if (done) return;
  done = true;
  closeInheritedOnExec();
}

/** Returns the descriptors it marked (those above stderr that were still inheritable). */
export function closeInheritedOnExec(): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc/self/fd");
  } catch {
    return []; // no /proc: nothing to enumerate (Postern supports Linux only; see README)
  }
  const { fcntlSync, constants } = require("fs-ext") as FsExt;
  const marked: number[] = [];
  for (const entry of entries) {
    const fd = Number(entry);
    if (!Number.isInteger(fd) || fd <= 2) continue;
    try {
      const flags = fcntlSync(fd, "getfd");
      if ((flags & constants.FD_CLOEXEC) !== 0) continue;
      fcntlSync(fd, "setfd", flags | constants.FD_CLOEXEC);
      marked.push(fd);
    } catch {
      // Closed since the listing (the directory's own descriptor is one): nothing to pass on.
    }
  }
  return marked;
}
