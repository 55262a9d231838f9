/** Feed documents for the feed plugin's tests. */

export interface Item {
  id?: string;
  title: string;
  link?: string;
  date?: string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function rss(items: Item[], title = "Test feed"): string {
  const body = items
    .map(
      (i) =>
        `<item><title>${esc(i.title)}</title>${i.link ? `<link>${esc(i.link)}</link>` : ""}${
          i.id ? `<guid isPermaLink="false">${esc(i.id)}</guid>` : ""
        }${i.date ? `<pubDate>${i.date}</pubDate>` : ""}<description>About ${esc(i.title)}</description></item>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>${esc(title)}</title>
<link>https://example.org/</link>${body}</channel></rss>`;
}

export function atom(items: Item[], title = "Atom feed"): string {
  const body = items
    .map(
      (i) => `<entry><id>${esc(i.id ?? "")}</id><title type="html">${esc(i.title)}</title>
<link rel="self" href="https://example.org/self/${esc(i.id ?? "")}"/>
<link rel="alternate" href="${esc(i.link ?? "")}"/>
<updated>${i.date ?? "2026-02-01T10:00:00Z"}</updated><author><name>Ann</name></author>
<summary>Sum ${esc(i.title)}</summary></entry>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>${esc(title)}</title>
<link rel="alternate" href="https://example.org/atom"/>${body}</feed>`;
}
