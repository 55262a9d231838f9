// JSON Pointer (RFC 6901), and a canonical JSON form so that reordered keys are not a "change".

/** The pointer's reference tokens; also accepts the URI fragment form (`#/a/b`). Throws on bad syntax. */
export function parsePointer(pointer) {
  let text = pointer;
  if (text.startsWith("#")) text = decodeURIComponent(text.slice(1));
  if (text === "") return [];
  if (!text.startsWith("/")) throw new Error(`"${pointer}" must be empty or start with "/"`);
  return text
    .slice(1)
    .split("/")
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new Error(`"${pointer}": "~" must be followed by 0 or 1`);
      // ~1 before ~0, so "~01" stays the two characters "~1".
      return token.replaceAll("~1", "/").replaceAll("~0", "~");
    });
}

/** `{found: true, value}` or `{found: false}`; never follows inherited properties. */
export function resolvePointer(doc, tokens) {
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= node.length) return { found: false };
      node = node[Number(token)];
    } else if (node !== null && typeof node === "object" && Object.hasOwn(node, token)) {
      node = node[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node };
}

export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
