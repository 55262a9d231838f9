/**
 * Single instance (docs/daemon.md): `<state_dir>/postern.lock`, flock(LOCK_EX|LOCK_NB), our PID
 * written into it, held for the daemon's lifetime, never deleted. Taken before the database
 * is touched. The descriptor is opened by libuv with O_CLOEXEC, so a plugin (or its leftover
 * grandchild) never inherits it and cannot keep a dead core's lock; a test proves it.
 *
 * flock holds an inode, not a name: once someone deletes postern.lock (a tmp cleaner), a
 * second start would create a new file and lock that. So the daemon also flocks the state
 * directory itself, which cannot be deleted while the database is in it: a second start that
 * gets the (new) file's lock is still refused by the directory's. The running daemon notices a
 * deleted or replaced lock file (watchLockFile) and puts its own back, so `status`, `run` and
 * `reload` see it again.
 */
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { makeStateDir } from "../config/state-dir.js";
import { PosternError } from "../core/errors.js";

const require = createRequire(import.meta.url);
const { flockSync } = require("fs-ext") as { flockSync: (fd: number, flags: string) => void };

export const LOCK_FILE = "postern.lock";

export interface InstanceLock {
  readonly file: string;
  readonly fd: number;
  /**
   * Looks whether the lock file is still ours (same inode); if it was deleted or replaced,
   * creates and locks a new one with our PID. Returns what it found, for the log.
   */
  recheck(): "ok" | "restored" | { cannotRestore: string };
  release(): void;
}

/** O_NOFOLLOW: a postern.lock that is a symbolic link is refused, its target left alone. */
const LOCK_OPEN_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;

function openLockFile(file: string): number {
  try {
    return openSync(file, LOCK_OPEN_FLAGS, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") {
      throw new PosternError(
        "lock_failed",
        `${file} (the instance lock) is a symbolic link; Postern does not follow links in service.state_dir. Remove the link and start again`,
      );
    }
    throw new PosternError(
      "lock_failed",
      `cannot create the lock file ${file}: ${(e as Error).message}. Check that service.state_dir is a directory the daemon's user can write.`,
    );
  }
}

function sameInode(fd: number, file: string): boolean {
  try {
    const path = lstatSync(file);
    const held = fstatSync(fd);
    return path.ino === held.ino && path.dev === held.dev;
  } catch {
    return false;
  }
}

export function lockFile(stateDir: string): string {
  return join(stateDir, LOCK_FILE);
}

/** Takes the lock or throws a PosternError naming the PID that holds it. */
export function acquireInstanceLock(stateDir: string, pid = process.pid): InstanceLock {
  const file = lockFile(stateDir);
  makeStateDir(stateDir);
  let fd = openLockFile(file);
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
  const dirFd = lockStateDir(stateDir, file, fd);
  writePid(fd, pid);
  const lock = {
    file,
    get fd() {
      return fd;
    },
    recheck: (): ReturnType<InstanceLock["recheck"]> => {
      if (sameInode(fd, file)) return "ok";
      let next: number;
      try {
        next = openLockFile(file);
        flockSync(next, "exnb");
      } catch (e) {
        // A start being refused holds the new file for an instant; the next look retries.
        return { cannotRestore: (e as Error).message };
      }
      writePid(next, pid);
      closeSync(fd);
      fd = next;
      return "restored";
    },
    release: () => {
      try {
        flockSync(fd, "un");
      } finally {
        closeSync(fd);
        closeSync(dirFd);
      }
    },
  };
  return lock;
}

/** How often the running daemon looks whether its lock file is still there and still its own. */
export const LOCK_RECHECK_MS = 1000;

/** Puts back a deleted or replaced lock file, logged at ERROR: something removes files in state_dir. */
export function watchLockFile(
  lock: InstanceLock,
  log: { error(obj: object, msg: string): void },
  intervalMs = LOCK_RECHECK_MS,
): NodeJS.Timeout {
  let lastProblem = "";
  const timer = setInterval(() => {
    const found = lock.recheck();
    if (found === "ok") return;
    if (found === "restored") {
      lastProblem = "";
      log.error(
        { lock_file: lock.file },
        `the lock file ${lock.file} was deleted or replaced while this daemon held it (something cleans service.state_dir?); it is recreated with this PID. The state directory's own lock kept any second daemon out meanwhile`,
      );
      return;
    }
    if (found.cannotRestore === lastProblem) return;
    lastProblem = found.cannotRestore;
    log.error(
      { lock_file: lock.file },
      `the lock file ${lock.file} was deleted or replaced and cannot be recreated yet (${found.cannotRestore}); retrying. The state directory's own lock still keeps any second daemon out`,
    );
  }, intervalMs);
  timer.unref();
  return timer;
}

function writePid(fd: number, pid: number): void {
  ftruncateSync(fd, 0);
  writeSync(fd, `${pid}\n`, 0);
}

/**
 * The directory's lock, taken after the file's: when it is held although the file's lock was
 * free, the running daemon's lock file was deleted and this start is the second instance.
 */
function lockStateDir(stateDir: string, file: string, fileFd: number): number {
  let dirFd: number;
  try {
    dirFd = openSync(stateDir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    closeSync(fileFd);
    throw new PosternError(
      "lock_failed",
      `cannot open service.state_dir ${stateDir}: ${(e as Error).message}`,
    );
  }
  try {
    lockWithPatience(dirFd);
    return dirFd;
  } catch (e) {
    closeSync(dirFd);
    closeSync(fileFd);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EAGAIN" || code === "EWOULDBLOCK") {
      const holder = flockHolderPid(stateDir);
      throw new PosternError(
        "already_running",
        `another postern is already running with this state_dir (${stateDir}): PID ${holder ?? "unknown"} holds the directory's lock, though its lock file ${file} was deleted or replaced (it puts it back within seconds). Stop it first, or use another state_dir.`,
      );
    }
    throw new PosternError("lock_failed", `cannot lock ${stateDir}: ${(e as Error).message}`);
  }
}

/**
 * The PID holding a flock on `path`, from /proc/locks ("1: FLOCK ADVISORY WRITE <pid>
 * <maj>:<min>:<inode> 0 EOF"), or null. Only for the messages: the lock itself decides.
 */
export function flockHolderPid(path: string): number | null {
  let ino: number;
  let text: string;
  try {
    ino = statSync(path).ino;
    text = readFileSync("/proc/locks", "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== "FLOCK") continue;
    const inode = fields[5]?.split(":")[2];
    const pid = Number.parseInt(fields[4] ?? "", 10);
    if (inode !== undefined && Number(inode) === ino && pid > 0) return pid;
  }
  return null;
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
  if (isLocked(lockFile(stateDir))) return readLockPid(stateDir);
  // The lock file was deleted under a running daemon (it puts it back within seconds).
  if (isLocked(stateDir)) return flockHolderPid(stateDir);
  return null;
}

function isLocked(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    flockSync(fd, "exnb");
    flockSync(fd, "un");
    return false;
  } catch {
    return true;
  } finally {
    closeSync(fd);
  }
}
