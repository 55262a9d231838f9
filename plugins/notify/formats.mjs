// The request body for each target format. Titles and messages are already rendered.

const DISCORD_MAX = 2000;

function lines(...parts) {
  return parts.filter((p) => p !== "").join("\n");
}

/** ntfy publishes JSON to the server root with the topic inside: https://ntfy.sh/alerts → (https://ntfy.sh/, alerts). */
export function ntfyTarget(url, topic) {
  const u = new URL(url);
  const segments = u.pathname.split("/").filter((s) => s !== "");
  const name = topic ?? segments.pop();
  u.pathname = `/${segments.join("/")}`;
  return { url: u.href, topic: name };
}

export function body(format, n, extra) {
  switch (format) {
    case "ntfy": {
      const out = { topic: extra.topic, title: n.title, message: n.message || n.title };
      if (n.link !== "") out.click = n.link;
      return { contentType: "application/json", text: JSON.stringify(out) };
    }
    case "slack":
      return {
        contentType: "application/json",
        text: JSON.stringify({ text: lines(`*${n.title}*`, n.message, n.link) }),
      };
    case "discord": {
      const content = lines(`**${n.title}**`, n.message, n.link);
      return {
        contentType: "application/json",
        text: JSON.stringify({
          content: content.length > DISCORD_MAX ? `${content.slice(0, DISCORD_MAX - 1)}…` : content,
        }),
      };
    }
    case "text":
      return { contentType: "text/plain; charset=utf-8", text: lines(n.title, n.message, n.link) };
    default:
      return { contentType: "application/json", text: JSON.stringify(jsonRecord(n)) };
  }
}

export function jsonRecord(n) {
  const e = n.event;
  return {
    event_id: e.event_id,
    type: e.type,
    source: e.source,
    timestamp: e.timestamp,
    title: n.title,
    message: n.message,
    link: n.link || null,
    payload: e.payload,
  };
}

/** One line for a file: JSON, or `timestamp title: message <link>` with line breaks flattened. */
export function fileLine(format, n) {
  if (format === "json") return JSON.stringify(jsonRecord(n));
  const flat = (s) => s.replace(/\s*[\r\n]+\s*/g, " ");
  const link = n.link === "" ? "" : ` <${flat(n.link)}>`;
  const message = n.message === "" ? "" : `: ${flat(n.message)}`;
  return `${n.event.timestamp} ${flat(n.title)}${message}${link}`;
}
