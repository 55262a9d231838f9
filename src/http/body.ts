/**
 * Reads a request body with a hard cap and a deadline (docs/webhooks.md step 2). At most `limit` bytes
 * are ever held: the chunk that crosses the cap is dropped with everything before it, and the
 * rest of the stream is left to flow into the void while the caller answers and closes.
 */
import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { kind: "ok"; body: Buffer }
  | { kind: "too_large"; received: number }
  | { kind: "timeout"; received: number }
  | { kind: "aborted"; received: number };

export function readBody(
  req: IncomingMessage,
  opts: { limit: number; timeoutMs: number },
): Promise<BodyResult> {
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const done = (result: BodyResult) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.off("error", onClose);
      chunks = [];
      resolve(result);
    };
    // A whole-body deadline rather than an idle timeout: a sender trickling one byte a second
    // would never trip an idle timer, yet hold the connection and its buffer indefinitely.
    const timer = setTimeout(() => done({ kind: "timeout", received: size }), opts.timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > opts.limit) done({ kind: "too_large", received: size });
      else chunks.push(chunk);
    };
    const onEnd = () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      done({ kind: "ok", body });
    };
    // 'close' before 'end' means the client went away mid-body.
    const onClose = () => done({ kind: "aborted", received: size });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", onClose);
  });
}
