import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { renderSchema, SHIPPED_SCHEMAS } from "../../src/json-schema/index.js";
import { repoRoot } from "../helpers/paths.js";

describe("shipped JSON Schemas", () => {
  for (const [name, make] of Object.entries(SHIPPED_SCHEMAS)) {
    it(`schemas/${name} is up to date with the zod definitions`, () => {
      const committed = readFileSync(`${repoRoot}schemas/${name}`, "utf8");
      assert.equal(
        committed,
        renderSchema(name, make()),
        `schemas/${name} is stale: run \`npm run gen:schemas\``,
      );
    });
  }
});
