/**
 * The process side of a plugin: read the whole request from stdin, run the handler, write
 * exactly one response to stdout, exit. Everything else that would reach stdout (console.log,
 * a library writing to process.stdout) is sent to stderr, where the core keeps it as a
 * diagnostic instead of calling the response a protocol error.
 */
import { Console } from "node:console";
import { PROTOCOL_VERSION } from "../protocol/messages.js";
import { describeThrown, respond } from "./respond.js";
import type { Handlers, JsonObject, PluginOptions } from "./types.js";

type Write = typeof process.stdout.write;

/** Points console and process.stdout at stderr; returns the only writer left for stdout. */
function divertStdout(): Write {
  const realWrite = process.stdout.write.bind(process.stdout) as Write;
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr });
  const target = console as unknown as Record<string, unknown>;
  for (const [name, method] of Object.entries(toStderr)) {
    if (typeof method === "function") target[name] = method;
  }
  process.stdout.write = process.stderr.write.bind(process.stderr) as Write;
  return realWrite;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    process.stderr.write("reading a protocol v1 request from stdin (end it with Ctrl-D)\n");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Runs the plugin for the request on stdin, then exits the process: a keep-alive socket or a
 * forgotten timer must not hold it open until the core's deadline kills it.
 */
export function definePlugin<C extends object = JsonObject, S extends object = JsonObject>(
  handlers: Handlers<C, S>,
  options: PluginOptions = {},
): Promise<void> {
  const writeOut = divertStdout();
  let answered = false;
  const answer = (response: JsonObject, exitCode: number): Promise<void> => {
    if (answered) return new Promise(() => {});
    answered = true;
    return new Promise(() => {
      writeOut(`${JSON.stringify(response)}\n`, () => process.exit(exitCode));
    });
  };
  // A crash in a callback the handler did not await still gets its one response.
  const crash = (thrown: unknown) => {
    if (thrown instanceof Error && thrown.stack) process.stderr.write(`${thrown.stack}\n`);
    const { message } = describeThrown(thrown);
    void answer(
      { protocol: PROTOCOL_VERSION, status: "error", error: `uncaught: ${message}`, retry: true },
      1,
    );
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  // Node exits quietly when nothing is left to wait for, even with the handler's promise pending.
  process.on("beforeExit", () =>
    crash(new Error("the handler's promise never settled and nothing was left to wait for")),
  );

  return readStdin()
    .then((input) => respond(handlers as Handlers, input, options))
    .then(({ response, exitCode }) => answer(response, exitCode), crash);
}
