#!/usr/bin/env node
// notify: deliver any event to ntfy, Slack, Discord, a JSON/text endpoint, or a file. Each
// event_id is delivered once: delivered ids are remembered in state. See README.md.
import { access, appendFile, constants, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { body, fileLine, ntfyTarget } from "./formats.mjs";
import { render } from "./render.mjs";

// The SDK of the Postern running this plugin (POSTERN_SDK, docs/plugin-authoring.md); the
// relative path is this package's own build, for running the file by hand.
const {
  ConfigError,
  definePlugin,
  fetchBounded,
  httpError,
  optionalInteger,
  optionalString,
  optionalStringMap,
  PluginError,
} = await import(process.env.POSTERN_SDK ?? "../../dist/src/sdk/index.js");

const FORMATS = ["json", "text", "ntfy", "slack", "discord"];
const HTTP_ONLY = ["ntfy", "slack", "discord"];
const TIMEOUT_MS = 30_000;
// Errors a retry cannot fix: the operator has to change permissions or the path. (ENOENT comes
// only after the directories were created, so the path cannot exist.)
const PERMANENT_FS_ERRORS = new Set(["EACCES", "EPERM", "EISDIR", "ENOTDIR", "EROFS", "ENOENT"]);

function settings(config) {
  const url = optionalString(config, "url");
  const file = optionalString(config, "file");
  if (!url === !file)
    throw new ConfigError("give exactly one target: config.url (http/https) or config.file (a path)");
  const format = optionalString(config, "format") ?? (file ? "text" : "json");
  if (!FORMATS.includes(format)) throw new ConfigError(`config.format must be one of ${FORMATS.join(", ")}`);
  if (file && HTTP_ONLY.includes(format))
    throw new ConfigError(`config.format ${format} needs config.url; a file takes json or text`);
  if (url && !/^https?:\/\//i.test(url))
    throw new ConfigError("config.url must be an http:// or https:// URL");
  return {
    url,
    // Relative to the working directory, which the core sets to this plugin's directory.
    file: file ? resolve(file) : undefined,
    format,
    topic: optionalString(config, "topic"),
    title: optionalString(config, "title") ?? "{{type}}",
    template: optionalString(config, "template") ?? "{{payload.title|payload.message|payload.text|payload}}",
    link: optionalString(config, "link") ?? "{{payload.url|payload.link}}",
    headers: optionalStringMap(config, "headers"),
    remember: optionalInteger(config, "remember", 500, { min: 1, max: 10_000 }),
  };
}

/** The URL without its path: webhook URLs of Slack and Discord carry their secret in the path. */
function safeLabel(url) {
  return `${new URL(url).origin}/…`;
}

async function post(s, n, signal) {
  let url = s.url;
  const extra = {};
  if (s.format === "ntfy") {
    const target = ntfyTarget(url, s.topic);
    if (!target.topic)
      throw new ConfigError("config.url for ntfy must end with the topic (or give config.topic)");
    url = target.url;
    extra.topic = target.topic;
  }
  const { contentType, text } = body(s.format, n, extra);
  const label = safeLabel(url);
  const res = await fetchBounded(url, {
    method: "POST",
    headers: { "Content-Type": contentType, ...s.headers },
    body: text,
    signal,
    timeoutMs: TIMEOUT_MS,
    maxBytes: 1024 * 1024,
    label,
  });
  if (res.status < 200 || res.status > 299) throw httpError(res, `POST ${label}`);
  return `POST ${label}: HTTP ${res.status}`;
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdir loops forever where mkdir answers
 * ENOENT although the parent exists (under /proc, for one).
 */
async function mkdirs(dir) {
  try {
    await mkdir(dir);
  } catch (e) {
    if (e.code === "EEXIST") return;
    if (e.code !== "ENOENT" || dirname(dir) === dir) throw e;
    await mkdirs(dirname(dir));
    await mkdir(dir).catch((again) => {
      if (again.code !== "EEXIST") throw again;
    });
  }
}

async function append(s, n) {
  // One write of one line with O_APPEND: concurrent writers never interleave within it.
  const line = `${fileLine(s.format, n)}\n`;
  try {
    await appendFile(s.file, line).catch(async (e) => {
      if (e.code !== "ENOENT") throw e;
      await mkdirs(dirname(s.file));
      await appendFile(s.file, line);
    });
  } catch (e) {
    throw new PluginError(`cannot append to ${s.file}: ${e.code ?? e.message}`, {
      retry: !PERMANENT_FS_ERRORS.has(e.code),
    });
  }
  return `appended to ${s.file}`;
}

definePlugin({
  async handle(ctx) {
    const s = settings(ctx.config);
    const { event } = ctx;
    const delivered = Array.isArray(ctx.state.delivered) ? ctx.state.delivered : [];
    if (delivered.includes(event.event_id)) {
      ctx.log.info(`event ${event.event_id} was already delivered; skipped`);
      return undefined;
    }
    const n = {
      event,
      title: render(s.title, event),
      message: render(s.template, event),
      link: render(s.link, event),
    };
    const done = s.file ? await append(s, n) : await post(s, n, ctx.signal);
    ctx.log.info(`${event.type} ${event.event_id}: ${done}`);
    return { state_updates: { delivered: [...delivered, event.event_id].slice(-s.remember) } };
  },

  async health(ctx) {
    const s = settings(ctx.config);
    if (s.file) {
      // The file may not exist yet; then its directory must be writable (or creatable).
      const target = await access(s.file, constants.F_OK).then(
        () => s.file,
        () => dirname(s.file),
      );
      await access(target, constants.W_OK).catch((e) => {
        if (e.code === "ENOENT") return;
        throw new PluginError(`${target} is not writable: ${e.code}`, { retry: false });
      });
      ctx.log.info(`delivers to ${s.file} (${s.format})`);
    } else {
      ctx.log.info(`delivers to ${safeLabel(s.url)} (${s.format})`);
    }
  },
});
