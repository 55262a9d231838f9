// Postern dashboard auto-refresh. Every few seconds, while the tab is visible, fetch this same
// URL and swap the contents of <main> (parsed with DOMParser, never evaluated), keeping the
// scroll position and any open <details>. No full reload, no other requests, no dependencies.
// Without JavaScript the pages are complete; the "refresh" link reloads them by hand.
(() => {
  const INTERVAL_MS = 5000;
  const main = document.getElementById("main");
  const label = document.getElementById("refreshed");
  if (!main || !label || !window.fetch || !window.DOMParser) return;
  let busy = false;

  const hhmmss = (d) => d.toISOString().slice(11, 19) + "Z";

  // What the reader toggled (stderr excerpts) survives the swap.
  const detailsState = () =>
    new Map(Array.from(main.querySelectorAll("details[data-key]")).map((d) => [d.dataset.key, d.open]));

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const res = await fetch(window.location.href, {
        headers: { accept: "text/html" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!res.ok && res.status !== 404) throw new Error(`HTTP ${res.status}`);
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = doc.getElementById("main");
      if (!fresh) throw new Error("no <main> in the answer");
      const x = window.scrollX;
      const y = window.scrollY;
      const toggled = detailsState();
      main.replaceChildren(...Array.from(fresh.childNodes).map((n) => document.adoptNode(n)));
      for (const d of main.querySelectorAll("details[data-key]")) {
        if (toggled.has(d.dataset.key)) d.open = toggled.get(d.dataset.key);
      }
      main.dataset.generated = fresh.dataset.generated || "";
      window.scrollTo(x, y);
      label.textContent = `updated ${hhmmss(new Date())}`;
      label.classList.remove("stale");
    } catch {
      label.textContent = `update failed ${hhmmss(new Date())} (is the daemon running?)`;
      label.classList.add("stale");
    } finally {
      busy = false;
    }
  }

  label.textContent = `updated ${hhmmss(new Date())}`;
  setInterval(refresh, INTERVAL_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
})();
