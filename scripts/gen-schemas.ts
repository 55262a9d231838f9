/** Writes schemas/*.json from the zod definitions. Run: npm run gen:schemas */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderSchema, SHIPPED_SCHEMAS } from "../src/json-schema/index.js";

const dir = fileURLToPath(new URL("../../schemas/", import.meta.url));
for (const [name, make] of Object.entries(SHIPPED_SCHEMAS)) {
  writeFileSync(`${dir}${name}`, renderSchema(name, make()));
  process.stdout.write(`wrote schemas/${name}\n`);
}
