/**
 * A module counter: `NODE_OPTIONS=--import <this file>` makes a Node process write, at exit,
 * the URLs of every module it loaded to `$POSTERN_MODULE_LIST` (one per line).
 */
import { writeFileSync } from "node:fs";
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";

const file = process.env.POSTERN_MODULE_LIST;
if (file) {
  const seen = new Set<string>();
  const { port1, port2 } = new MessageChannel();
  port1.on("message", (url: string) => seen.add(url));
  port1.unref();
  register(new URL("./module-count-hooks.js", import.meta.url), {
    data: { port: port2 },
    transferList: [port2],
  });
  process.on("exit", () => writeFileSync(file, [...seen].join("\n")));
}

/** The environment that makes a `postern` child count its modules into `listFile`. */
export function countModulesEnv(listFile: string): Record<string, string> {
  return {
    NODE_OPTIONS: `--import ${new URL(import.meta.url).href}`,
    POSTERN_MODULE_LIST: listFile,
  };
}
