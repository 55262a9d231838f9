// JSON for bench/results, laid out as the repo's formatter (Biome, line width 110) lays it out,
// so `npm run lint` stays green after a bench run: objects one key per line, arrays of plain
// values on one line when they fit, otherwise one element per line.

const WIDTH = 110;

export function formatJson(value) {
  return `${print(value, "", 0)}\n`;
}

/** `used`: columns already taken on the line before the value (indent, key). */
function print(value, indent, used) {
  if (value === undefined || typeof value === "function") return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const plain = value.every((v) => v === null || typeof v !== "object");
    if (plain) {
      const flat = `[${value.map((v) => JSON.stringify(v) ?? "null").join(", ")}]`;
      // +1: the comma that may follow on the same line.
      if (used + flat.length + 1 <= WIDTH) return flat;
    }
    const items = value.map((v) => `${inner}${print(v, inner, inner.length)}`);
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== "function");
  if (entries.length === 0) return "{}";
  const items = entries.map(([k, v]) => {
    const key = `${inner}${JSON.stringify(k)}: `;
    return `${key}${print(v, inner, key.length)}`;
  });
  return `{\n${items.join(",\n")}\n${indent}}`;
}
