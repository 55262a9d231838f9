/**
 * The dashboard's stylesheet and script: plain files committed in src/http/dashboard/assets/
 * (no build step), shipped in the npm package (package.json "files"), read once at first use
 * and served from memory with a content hash as ETag and in their URLs.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Asset {
  /** UTF-8 text. */
  body: string;
  type: string;
  etag: string;
  /** Short content hash, in the page's asset URLs so an upgrade is never served stale. */
  version: string;
}

const TYPES: Record<string, string> = {
  "dashboard.css": "text/css; charset=utf-8",
  "dashboard.js": "text/javascript; charset=utf-8",
  // Linked from every page, so the browser never asks for /favicon.ico (a 404 in its console).
  "favicon.svg": "image/svg+xml",
};

/** From dist/src/http/dashboard/ (the built code) back to the committed files in src/. */
export const ASSETS_DIR = fileURLToPath(new URL("../../../../src/http/dashboard/assets/", import.meta.url));

let cache: Map<string, Asset> | null = null;

/** Every asset, read on the first call. Throws a message naming the directory when one is missing. */
export function assets(dir = ASSETS_DIR): Map<string, Asset> {
  if (cache !== null && dir === ASSETS_DIR) return cache;
  const map = new Map<string, Asset>();
  for (const [name, type] of Object.entries(TYPES)) {
    let body: string;
    try {
      body = readFileSync(`${dir}${name}`, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new Error(
        `dashboard asset ${name} cannot be read from ${dir} (${code}): the installation is incomplete; reinstall Postern or set dashboard.enabled: false`,
      );
    }
    const hash = createHash("sha256").update(body).digest("hex");
    map.set(name, { body, type, etag: `"${hash.slice(0, 32)}"`, version: hash.slice(0, 12) });
  }
  if (dir === ASSETS_DIR) cache = map;
  return map;
}
