// `{{path}}` templates over an event: `{{type}}`, `{{payload.title}}`, alternatives with `|`
// (`{{payload.title|payload.url|"untitled"}}`: the first that is not empty), quoted literals.

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

function lookup(root, path) {
  let node = root;
  for (const key of path.split(".")) {
    // Own keys only: a template must not reach Object.prototype through "constructor".
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

function asText(value) {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function alternative(root, alt) {
  const trimmed = alt.trim();
  const quoted = /^"(.*)"$/.exec(trimmed) ?? /^'(.*)'$/.exec(trimmed);
  return quoted ? quoted[1] : asText(lookup(root, trimmed));
}

/** The template with each placeholder replaced; unknown paths become "" (or the next alternative). */
export function render(template, event) {
  const root = {
    type: event.type,
    source: event.source,
    event_id: event.event_id,
    timestamp: event.timestamp,
    dedupe_key: event.dedupe_key ?? null,
    payload: event.payload,
  };
  return template.replace(PLACEHOLDER, (_, inner) => {
    for (const alt of inner.split("|")) {
      const text = alternative(root, alt);
      if (text !== "") return text;
    }
    return "";
  });
}
