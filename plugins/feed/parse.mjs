// RSS 2.0, RSS 1.0 (RDF) and Atom into one entry shape, with fast-xml-parser doing the XML.
import { createHash } from "node:crypto";
import { XMLParser, XMLValidator } from "fast-xml-parser";

// The SDK of the Postern running this plugin (POSTERN_SDK, docs/plugin-authoring.md); the
// relative path is this package's own build, for running the file by hand.
const { PluginError } = await import(process.env.POSTERN_SDK ?? "../../dist/src/sdk/index.js");

const SUMMARY_MAX = 2000;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  // Namespace prefixes vary between feeds (dc:creator, atom:link, rdf:RDF); the local names do not.
  removeNSPrefix: true,
  // Titles like "2024" and guids like "0012" must stay text.
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
  isArray: (name) => name === "item" || name === "entry" || name === "link",
});

function text(value) {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return text(value[0]);
  if (value !== null && typeof value === "object") return text(value["#text"] ?? "");
  return "";
}

/** Atom links are elements with rel/href; RSS links are text. The page link is rel=alternate or none. */
function linkOf(links) {
  if (!Array.isArray(links)) return text(links);
  for (const link of links) if (typeof link === "string" && link !== "") return link;
  const hrefs = links.filter((l) => l !== null && typeof l === "object" && typeof l["@_href"] === "string");
  const alternate = hrefs.find((l) => l["@_rel"] === undefined || l["@_rel"] === "alternate");
  return (alternate ?? hrefs[0])?.["@_href"] ?? "";
}

/** ISO 8601 when the date parses (RSS uses RFC 822 dates), else the text as given, else null. */
function date(value) {
  const raw = text(value).trim();
  if (raw === "") return null;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString();
}

function author(value) {
  const first = Array.isArray(value) ? value[0] : value;
  if (first !== null && typeof first === "object" && "name" in first) return text(first.name) || null;
  return text(first) || null;
}

function summary(value) {
  const s = text(value).trim();
  return s.length > SUMMARY_MAX ? `${s.slice(0, SUMMARY_MAX)}…` : s;
}

/** guid / id / about, else the link, else a hash of what the entry says: an entry needs a stable id. */
function entryId(explicit, link, title, published) {
  const id = text(explicit).trim();
  if (id !== "") return id;
  if (link !== "") return link;
  return `sha256:${createHash("sha256")
    .update(`${title}\n${published ?? ""}`)
    .digest("hex")
    .slice(0, 32)}`;
}

function rssEntry(item) {
  const link = linkOf(item.link).trim();
  const title = text(item.title).trim();
  const published = date(item.pubDate ?? item.date);
  return {
    id: entryId(item.guid, link, title, published),
    title,
    link,
    published,
    updated: date(item.date) ?? published,
    summary: summary(item.description ?? item.encoded),
    author: author(item.author ?? item.creator),
  };
}

function rdfEntry(item) {
  const entry = rssEntry(item);
  const about = text(item["@_about"]).trim();
  return about === "" ? entry : { ...entry, id: about };
}

function atomEntry(entry) {
  const link = linkOf(entry.link).trim();
  const title = text(entry.title).trim();
  const published = date(entry.published ?? entry.issued);
  const updated = date(entry.updated ?? entry.modified);
  return {
    id: entryId(entry.id, link, title, published ?? updated),
    title,
    link,
    published: published ?? updated,
    updated,
    summary: summary(entry.summary ?? entry.content),
    author: author(entry.author),
  };
}

function rootName(doc) {
  return Object.keys(doc).find((k) => !k.startsWith("?") && !k.startsWith("#")) ?? "(none)";
}

/** `{title, link, entries}` in document order; PluginError for malformed XML or a non-feed. */
export function parseFeed(xml, url) {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    // A truncated transfer or a server's error page: worth another try later.
    throw new PluginError(`malformed XML from ${url}: ${msg} (line ${line}, column ${col})`, { retry: true });
  }
  const doc = parser.parse(xml);
  const channel = doc.rss?.channel;
  if (doc.rss !== undefined && channel !== null && typeof channel === "object") {
    const items = Array.isArray(channel.item) ? channel.item : [];
    return { title: text(channel.title).trim(), link: linkOf(channel.link), entries: items.map(rssEntry) };
  }
  if (doc.feed !== undefined && doc.feed !== null && typeof doc.feed === "object") {
    const entries = Array.isArray(doc.feed.entry) ? doc.feed.entry : [];
    return {
      title: text(doc.feed.title).trim(),
      link: linkOf(doc.feed.link),
      entries: entries.map(atomEntry),
    };
  }
  if (doc.RDF !== undefined && doc.RDF !== null && typeof doc.RDF === "object") {
    const items = Array.isArray(doc.RDF.item) ? doc.RDF.item : [];
    const ch = doc.RDF.channel ?? {};
    return { title: text(ch.title).trim(), link: linkOf(ch.link), entries: items.map(rdfEntry) };
  }
  throw new PluginError(`${url} is not an RSS or Atom feed (its root element is <${rootName(doc)}>)`, {
    retry: false,
  });
}

/** The body as text: charset from Content-Type, else the XML declaration, else UTF-8. */
export function decodeBody(body, contentType) {
  const fromHeader = /charset=["']?([\w.:-]+)/i.exec(contentType ?? "")?.[1];
  const head = body.toString("latin1", 0, Math.min(body.length, 200));
  const fromProlog = /^\s*<\?xml[^>]*encoding=["']([\w.:-]+)["']/.exec(head)?.[1];
  const label = fromHeader ?? fromProlog ?? "utf-8";
  try {
    return new TextDecoder(label).decode(body);
  } catch {
    return new TextDecoder("utf-8").decode(body);
  }
}
