/**
 * Single instance (SPEC §11): `<state_dir>/postern.lock`, flock(LOCK_EX|LOCK_NB), our PID
 * written into it, held for the daemon's lifetime, never deleted. Taken before the database
 * is touched. The descriptor is opened by libuv with O_CLOEXEC, so a plugin (or its leftover
 * grandchild) never inherits it and cannot keep a dead core's lock; a test proves it.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { PosternError } from "../core/errors.js";

const require = createRequire(import.meta.url);
const { flockSync } = require("fs-ext") as { flockSync: (fd: number, flags: string) => void };

export const LOCK_FILE = "postern.lock";

export interface InstanceLock {
  readonly file: string;
  readonly fd: number;
  release(): void;
}

export function lockFile(stateDir: string): string {
  return join(stateDir, LOCK_FILE);
}

/** Takes the lock or throws a PosternError naming the PID that holds it. */
export function acquireInstanceLock(stateDir: string, pid = process.pid): InstanceLock {
  const file = lockFile(stateDir);
  let fd: number;
  try {
    mkdirSync(stateDir, { recursive: true });
    fd = openSync(file, "a+");
  } catch (e) {
    throw new PosternError(
      "lock_failed",
      `cannot create the lock file ${file}: ${(e as Error).message}. Check that service.state_dir is a directory the daemon's user can write.`,
    );
  }
  try {
    lockWithPatience(fd);
  } catch (e) {
    closeSync(fd);
    if (
      (e as NodeJS.ErrnoException).code === "EAGAIN" ||
      (e as NodeJS.ErrnoException).code === "EWOULDBLOCK"
    ) {
      const holder = readLockPid(stateDir);
      throw new PosternError(
        "already_running",
        `another postern is already running with this state_dir (${stateDir}): PID ${holder ?? "unknown"} holds ${file}. Stop it first, or use another state_dir.`,
      );
    }
    throw new PosternError("lock_failed", `cannot lock ${file}: ${(e as Error).message}`);
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${pid}\n`, 0);
  return {
    file,
    fd,
    release: () => {
      try {
        flockSync(fd, "un");
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * `postern run` and `status` probe the lock for an instant to learn whether a daemon runs; a
 * daemon starting in that instant must not mistake the probe for a running twin.
 */
function lockWithPatience(fd: number, attempts = 6, pauseMs = 50): void {
  for (let i = 1; ; i++) {
    try {
      flockSync(fd, "exnb");
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (i >= attempts || (code !== "EAGAIN" && code !== "EWOULDBLOCK")) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
    }
  }
}

/** The PID written in the lock file, or null. Says nothing about whether it is still held. */
export function readLockPid(stateDir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(lockFile(stateDir), "utf8").trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * The PID of the running daemon, or null when none runs. Probes the lock itself (a stale PID
 * in the file of a crashed daemon does not count), then releases it at once.
 */
export function runningDaemonPid(stateDir: string): number | null {
  let fd: number;
  try {
    fd = openSync(lockFile(stateDir), "r");
  } catch {
    return null;
  }
  try {
    flockSync(fd, "exnb");
    flockSync(fd, "un");
    return null;
  } catch {
    return readLockPid(stateDir);
  } finally {
    closeSync(fd);
  }
}
