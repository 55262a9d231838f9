/**
 * `postern doctor` (docs/operations.md): what can go wrong on a host, checked in one go, each with OK,
 * WARN or FAIL and what to do. Nothing here changes anything except `--fix` (the auto-vacuum
 * switch, only while no daemon runs). Checks that need a valid config are skipped without one.
 */
import { accessSync, constants, existsSync, readFileSync, statfsSync, statSync } from "node:fs";
import { get as httpGet } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { IANAZone } from "luxon";
import { loadConfig } from "../config/index.js";
import type { Config } from "../config/types.js";
import { systemClock } from "../core/clock.js";
import { readLockPid, runningDaemonPid } from "../instance/lock.js";
import { discoverPlugins } from "../plugins/index.js";
import { checkFile, DB_FILE, openStore, probeWal } from "../store/index.js";

export type Verdict = "OK" | "WARN" | "FAIL";

export interface Check {
  name: string;
  status: Verdict;
  message: string;
  /** What to do (null when OK). */
  fix: string | null;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;
/** integrity_check reads every page; above this, quick_check (no index cross-checks). */
export const QUICK_CHECK_ABOVE = 256 * MB;
const WAL_WARN_BYTES = 256 * MB;
const CLOCK_SKEW_MS = 10 * 60_000;
const MIN_NODE_MAJOR = 20;

const ok = (name: string, message: string): Check => ({ name, status: "OK", message, fix: null });
const warn = (name: string, message: string, fix: string): Check => ({ name, status: "WARN", message, fix });
const fail = (name: string, message: string, fix: string): Check => ({ name, status: "FAIL", message, fix });

export async function runDoctor(
  configFile: string,
  opts: { fix?: boolean; nowMs?: number } = {},
): Promise<Check[]> {
  const nowMs = opts.nowMs ?? Date.now();
  const checks: Check[] = [nodeVersion()];
  const loaded = loadConfig(configFile, process.env);
  if (!loaded.ok) {
    checks.push(
      fail(
        "config",
        `${configFile} has ${loaded.errors.length} problem(s): ${loaded.errors[0]?.message ?? "unknown"}`,
        `run \`postern config check --config ${configFile}\` for the full list and fix them; the other checks need a valid config`,
      ),
    );
    return checks;
  }
  const config = loaded.config;
  checks.push(ok("config", `${config.file} is valid (${Object.keys(config.plugins).length} plugin(s))`));
  checks.push(timezone(config));
  const dir = config.service.state_dir;
  if (!existsSync(dir)) {
    checks.push(
      warn(
        "state dir",
        `${dir} does not exist yet: created at first start`,
        `nothing to do if this is a new install; otherwise check service.state_dir in ${config.file}`,
      ),
    );
  } else {
    checks.push(stateDir(dir));
    checks.push(lock(dir));
    checks.push(...database(config, nowMs, opts.fix === true));
    checks.push(disk(dir));
  }
  checks.push(...plugins(config));
  checks.push(await port(config));
  return checks;
}

function nodeVersion(): Check {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= MIN_NODE_MAJOR
    ? ok("node", `Node ${process.versions.node} (>= ${MIN_NODE_MAJOR} required)`)
    : fail("node", `Node ${process.versions.node} is too old`, `install Node ${MIN_NODE_MAJOR} or newer`);
}

function timezone(config: Config): Check {
  const tz = config.service.timezone;
  if (tz === "local") {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return ok("time zone", `local (${zone})`);
  }
  return IANAZone.isValidZone(tz)
    ? ok("time zone", tz)
    : fail(
        "time zone",
        `service.timezone "${tz}" is not a known IANA zone`,
        "use a name like Europe/Berlin or UTC",
      );
}

function stateDir(dir: string): Check {
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return fail(
      "state dir",
      `${dir} is not writable by this user (uid ${process.getuid?.() ?? "?"})`,
      "run doctor as the daemon's user, or chown the directory to it",
    );
  }
  const wal = probeWal(dir);
  return wal === null
    ? ok("state dir", `${dir} is writable and SQLite's WAL mode works there`)
    : fail(
        "state dir",
        `SQLite's WAL mode does not work in ${dir}: ${wal}`,
        "put service.state_dir on a local disk (not NFS, SMB or a FUSE mount)",
      );
}

function lock(dir: string): Check {
  const held = runningDaemonPid(dir);
  const recorded = readLockPid(dir);
  if (held !== null) {
    const cmd = commandLine(held);
    if (cmd === null) return ok("lock", `held by PID ${held} (its command line is not readable here)`);
    return /postern/.test(cmd)
      ? ok("lock", `held by the running daemon, PID ${held}`)
      : fail(
          "lock",
          `the lock is held by PID ${held}, which is not Postern (${cmd.slice(0, 80)})`,
          "find out what that process is; two programs must not share a state directory",
        );
  }
  if (recorded !== null) {
    const alive = isAlive(recorded);
    return warn(
      "lock",
      `no daemon holds the lock; the lock file names PID ${recorded}${alive ? " (alive, but not holding it)" : ", which is not running"}: a daemon that stopped or crashed`,
      "harmless: the next `postern start` takes the lock; if the daemon should be running, `systemctl status postern`",
    );
  }
  return ok("lock", "no daemon running and no lock file (the daemon is stopped)");
}

function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function database(config: Config, nowMs: number, fix: boolean): Check[] {
  const dir = config.service.state_dir;
  const file = path.join(dir, DB_FILE);
  if (!existsSync(file)) return [ok("database", `${file} does not exist yet: created at first start`)];
  const out: Check[] = [];
  const bytes = statSync(file).size;
  const quick = bytes > QUICK_CHECK_ABOVE;
  let problems: string[];
  try {
    problems = checkFile(file, { quick });
  } catch (e) {
    problems = [e instanceof Error ? e.message : String(e)];
  }
  const kind = quick ? "quick_check" : "integrity_check";
  if (problems.length === 1 && problems[0] === "ok") out.push(ok("integrity", `${kind} of ${file}: ok`));
  else {
    out.push(
      fail(
        "integrity",
        `${kind} of ${file} found: ${problems.slice(0, 3).join("; ")}`,
        "stop the daemon and restore the last good backup (docs/operations.md, Backing up and restoring)",
      ),
    );
    return out;
  }
  const walFile = `${file}-wal`;
  const wal = existsSync(walFile) ? statSync(walFile).size : 0;
  let space: ReturnType<ReturnType<typeof openStore>["fileSpace"]> | null = null;
  let lastOpen: string | null = null;
  try {
    const store = openStore(dir, { clock: systemClock, readonly: true });
    try {
      space = store.fileSpace();
      lastOpen = store.getMeta<string>("last_open_at");
    } finally {
      store.close();
    }
  } catch {
    // A database this Postern must migrate first: the sizes below are still known.
  }
  const sizes = `database ${mib(bytes)}, WAL ${mib(wal)}${space ? `, ${space.freelist_count} free pages` : ""}`;
  if (wal > WAL_WARN_BYTES) {
    out.push(
      warn(
        "size",
        `${sizes}: the WAL is large`,
        "a reader that keeps a transaction open (a stuck `postern logs -f`, an sqlite3 shell) prevents checkpoints; close it",
      ),
    );
  } else if (space !== null && space.auto_vacuum !== "incremental") {
    const daemon = runningDaemonPid(dir);
    if (fix && daemon === null) {
      const t0 = performance.now();
      const store = openStore(dir, { clock: systemClock });
      try {
        store.convertToIncrementalVacuum();
      } finally {
        store.close();
      }
      out.push(
        ok(
          "size",
          `${sizes}; switched to incremental auto-vacuum in ${Math.round(performance.now() - t0)} ms (--fix)`,
        ),
      );
    } else {
      out.push(
        warn(
          "size",
          `${sizes}; pruned space is not given back (auto_vacuum ${space.auto_vacuum})`,
          daemon === null
            ? "run `postern doctor --fix` to switch it (a full VACUUM: time about proportional to the size, needs that much free disk again)"
            : "stop the daemon, then `postern doctor --fix` (a full VACUUM; a daemon at start does it itself for files up to 64 MB)",
        ),
      );
    }
  } else {
    out.push(ok("size", sizes));
  }
  // The clock: files written "in the future" mean it jumped back (or was wildly off before).
  const newest = Math.max(statSync(file).mtimeMs, lastOpen ? Date.parse(lastOpen) : 0);
  out.push(
    newest - nowMs > CLOCK_SKEW_MS
      ? warn(
          "clock",
          `the clock (${new Date(nowMs).toISOString()}) is behind the database's last write (${new Date(newest).toISOString()})`,
          "fix the system clock (NTP: `timedatectl status`); schedules and retention use it",
        )
      : ok("clock", `${new Date(nowMs).toISOString()}, consistent with the database's timestamps`),
  );
  return out;
}

function disk(dir: string): Check {
  try {
    const s = statfsSync(dir);
    const free = s.bavail * s.bsize;
    const total = s.blocks * s.bsize;
    const pct = total > 0 ? (free / total) * 100 : 100;
    const text = `${mib(free)} free of ${mib(total)} (${pct.toFixed(0)} %) on ${dir}'s file system`;
    return free < GB || pct < 10
      ? warn("disk", text, "free space (below 1 GB or 10 % a full disk stops commits, webhooks then get 503)")
      : ok("disk", text);
  } catch (e) {
    return warn("disk", `cannot read free space: ${(e as Error).message}`, "check `df` by hand");
  }
}

function plugins(config: Config): Check[] {
  const listings = discoverPlugins(config.plugins_dir);
  return Object.entries(config.plugins).map(([name, pc]) => {
    const listing = listings.find((l) => l.name === name);
    const label = `plugin ${name}`;
    if (listing === undefined) {
      return fail(
        label,
        `no directory ${name} under ${config.plugins_dir}`,
        "install the plugin or remove it from the config",
      );
    }
    if (!listing.loaded) {
      const what = `refused: ${listing.reason}`;
      return pc.enabled
        ? fail(label, what, "fix what the reason names (`postern plugins` lists them all)")
        : warn(label, `${what} (disabled)`, "fix it before enabling the plugin");
    }
    return ok(label, `trusted, version ${listing.version ?? "?"}${pc.enabled ? "" : " (disabled)"}`);
  });
}

async function port(config: Config): Promise<Check> {
  const { host, port: p } = config.webhooks.listen;
  const where = `${host.includes(":") ? `[${host}]` : host}:${p}`;
  if (p === 0) return ok("listener", `${where}: any free port`);
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const server = createServer();
    server.once("error", (e) => resolve(e as NodeJS.ErrnoException));
    server.listen(p, host, () => server.close(() => resolve(null)));
  });
  if (error === null) return ok("listener", `${where} is free`);
  if (error.code !== "EADDRINUSE") {
    return fail(
      "listener",
      `cannot bind ${where}: ${error.message}`,
      "choose another webhooks.listen address",
    );
  }
  if (await isPostern(host, p)) return ok("listener", `${where} is held by this Postern daemon`);
  return fail(
    "listener",
    `${where} is taken by another program`,
    `find it with \`ss -ltnp 'sport = :${p}'\` and stop it, or change webhooks.listen`,
  );
}

/**
 * Whether the listener at host:port answers /healthz as Postern does. node:http with its own
 * (referenced) timeout: a program that accepts and never answers, or hangs up, is a "no".
 */
function isPostern(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: boolean) => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    const req = httpGet({ host, port, path: "/healthz", agent: false, timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        if (body.length < 65_536) body += d;
      });
      res.on("end", () => {
        try {
          const json = JSON.parse(body) as Record<string, unknown>;
          done(typeof json.uptime_seconds === "number" && "plugins_loaded" in json);
        } catch {
          done(false);
        }
      });
      res.on("error", () => done(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => done(false));
    req.on("close", () => done(false));
  });
}

function mib(bytes: number): string {
  if (bytes >= GB) return `${(bytes / GB).toFixed(1)} GB`;
  return `${(bytes / MB).toFixed(1)} MB`;
}
