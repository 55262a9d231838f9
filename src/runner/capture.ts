/**
 * Bounded capture of a plugin's output (docs/jobs.md, "Attempts"). Whatever a plugin writes, the core holds
 * at most `cap` bytes per stream; the peak is recorded so tests can assert the bound.
 */
import type { Readable } from "node:stream";

/** Keeps the first `cap` bytes; reports overflow so the caller can kill the plugin. */
export class HeadCapture {
  private readonly chunks: Buffer[] = [];
  private held = 0;
  overflowed = false;
  constructor(readonly cap: number) {}

  /** Returns false once the stream has gone past the cap. */
  push(chunk: Buffer): boolean {
    if (this.overflowed) return false;
    const room = this.cap - this.held;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.held = this.cap;
      this.overflowed = true;
      return false;
    }
    this.chunks.push(chunk);
    this.held += chunk.length;
    return true;
  }

  get bytesHeld(): number {
    return this.held;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.held);
  }
}

/** Keeps the last `cap` bytes, counting what it dropped. */
export class TailCapture {
  private chunks: Buffer[] = [];
  private held = 0;
  peakHeld = 0;
  bytesDropped = 0;
  constructor(readonly cap: number) {}

  push(chunk: Buffer): void {
    let incoming = chunk;
    if (incoming.length > this.cap) {
      this.bytesDropped += incoming.length - this.cap;
      incoming = incoming.subarray(incoming.length - this.cap);
    }
    this.chunks.push(incoming);
    this.held += incoming.length;
    while (this.held > this.cap) {
      const first = this.chunks[0] as Buffer;
      const excess = this.held - this.cap;
      if (first.length <= excess) {
        this.chunks.shift();
        this.held -= first.length;
        this.bytesDropped += first.length;
      } else {
        // Copy so the dropped head of a large chunk can be garbage-collected.
        this.chunks[0] = Buffer.from(first.subarray(excess));
        this.held -= excess;
        this.bytesDropped += excess;
      }
    }
    if (this.held > this.peakHeld) this.peakHeld = this.held;
  }

  get bytesHeld(): number {
    return this.held;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.held);
  }
}

/** The last `limit` bytes, cut at a UTF-8 character boundary, as text. */
export function tailText(bytes: Buffer, limit: number): { text: string; cut: number } {
  if (bytes.length <= limit) return { text: bytes.toString("utf8"), cut: 0 };
  let start = bytes.length - limit;
  // Skip continuation bytes (10xxxxxx) so the excerpt starts on a character.
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start += 1;
  return { text: bytes.subarray(start).toString("utf8"), cut: start };
}

/** The first `limit` bytes as text (lossy: this is for a human debugging a protocol error). */
export function headText(bytes: Buffer, limit: number): { text: string; cut: number } {
  if (bytes.length <= limit) return { text: bytes.toString("utf8"), cut: 0 };
  return { text: bytes.subarray(0, limit).toString("utf8"), cut: bytes.length - limit };
}

/** A running plugin's two output streams, captured within their bounds. */
export interface OutputCapture {
  stdout: HeadCapture;
  stderr: TailCapture;
  /** Resolves once both pipes closed. */
  closed: Promise<void>;
}

/** Starts capturing; `onStdoutOverflow` runs for every chunk past the stdout cap. */
export function captureOutput(
  streams: { stdout: Readable; stderr: Readable },
  limits: { stdoutMaxBytes: number; stderrTailBytes: number },
  onStdoutOverflow: () => void,
): OutputCapture {
  const stdout = new HeadCapture(limits.stdoutMaxBytes);
  const stderr = new TailCapture(limits.stderrTailBytes);
  streams.stdout.on("data", (chunk: Buffer) => {
    if (!stdout.push(chunk)) onStdoutOverflow();
  });
  streams.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const closed = Promise.all([streams.stdout, streams.stderr].map(closeOf)).then(() => {});
  return { stdout, stderr, closed };
}

function closeOf(stream: Readable): Promise<void> {
  // A pipe error is followed by its close; the outcome comes from the exit and what was read.
  stream.on("error", () => {});
  return new Promise((resolve) => stream.once("close", () => resolve()));
}
