/**
 * Every JSON Schema Postern ships, derived from the zod definitions the code validates with,
 * so the shipped files cannot drift from the loader (a test compares them).
 */
import { configJsonSchema } from "../config/definition.js";
import { manifestJsonSchema } from "../plugins/manifest.js";
import { requestJsonSchema, responseJsonSchema } from "../protocol/messages.js";

export const SHIPPED_SCHEMAS: Record<string, () => unknown> = {
  "config.schema.json": configJsonSchema,
  "manifest.schema.json": manifestJsonSchema,
  "request.schema.json": requestJsonSchema,
  "response.schema.json": responseJsonSchema,
};

export function renderSchema(name: string, schema: unknown): string {
  const withId = {
    $id: `https://postern.invalid/schemas/${name}`,
    ...(schema as Record<string, unknown>),
  };
  return `${JSON.stringify(withId, null, 2)}\n`;
}
