/**
 * A reload's config load, on a worker thread (issue 22): parsing and validating a large config
 * takes a CPU second or more (800 KB: /healthz answered after 22 s when this ran on the event
 * loop), and the listener must keep answering meanwhile. A Runtime is plain data (objects,
 * Map, Set), so it crosses to the main thread as a structured clone.
 */
import { parentPort, workerData } from "node:worker_threads";
import { describe, PosternError } from "../core/errors.js";
import { type LoadPurpose, loadRuntime } from "./runtime.js";

const { file, env, purpose } = workerData as {
  file: string;
  env: Record<string, string | undefined>;
  purpose: LoadPurpose;
};
try {
  parentPort?.postMessage({ ok: true, runtime: loadRuntime(file, env, purpose) });
} catch (e) {
  parentPort?.postMessage(
    e instanceof PosternError
      ? { ok: false, code: e.code, message: e.message, problems: e.problems }
      : {
          ok: false,
          code: "config_load_failed",
          message: describe(e),
          problems: [],
        },
  );
}
