/**
 * Which Chromium the browser tests drive. The system's (/usr/bin/chromium) when present, else the
 * one inside the @sparticuz/chromium package from the npm registry (a brotli-compressed binary
 * that executablePath() unpacks to the temp directory): `npm test` needs no other step, and no
 * browser is ever downloaded from outside the registry.
 * POSTERN_TEST_CHROMIUM=system|registry|<absolute path> forces one (to prove the other works).
 */
import { existsSync } from "node:fs";

const SYSTEM = "/usr/bin/chromium";

const COMMON_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface ChromiumChoice {
  source: "system" | "registry" | "path";
  executablePath: string;
  args: string[];
}

async function registry(): Promise<ChromiumChoice> {
  const sparticuz = (await import("@sparticuz/chromium")).default;
  return {
    source: "registry",
    executablePath: await sparticuz.executablePath(),
    // Its build runs as a headless shell without a zygote; the rest are ours.
    args: ["--headless=shell", "--no-zygote", ...COMMON_ARGS],
  };
}

export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const wanted = env.POSTERN_TEST_CHROMIUM ?? "";
  if (wanted === "registry") return registry();
  if (wanted === "system" || (wanted === "" && existsSync(SYSTEM))) {
    if (!existsSync(SYSTEM)) throw new Error(`POSTERN_TEST_CHROMIUM=system but ${SYSTEM} is missing`);
    return { source: "system", executablePath: SYSTEM, args: ["--headless", ...COMMON_ARGS] };
  }
  if (wanted !== "") {
    if (!existsSync(wanted)) throw new Error(`POSTERN_TEST_CHROMIUM=${wanted}: no such file`);
    return { source: "path", executablePath: wanted, args: ["--headless", ...COMMON_ARGS] };
  }
  return registry();
}
