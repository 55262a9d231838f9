import { fileURLToPath } from "node:url";

/** The repository root (tests run compiled from dist/test/...). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const fixturePluginsDir = `${repoRoot}test/fixtures/plugins`;
export const postern = `${repoRoot}bin/postern`;
