/**
 * What the termination concerns of one running plugin share (execa's `context`): its process
 * group, the first reason the core ended it for, its exit, and the end of the watch, which
 * cancels every timer the concerns armed. Each concern (deadline, abort, stdout cap, spawn
 * record) reports its reason here; the first one kept decides the outcome (core/outcome.ts).
 */
import type { CoreTermination } from "../core/outcome.js";
import { signalGroup } from "./proc.js";

export interface Exit {
  code: number | null;
  signal: string | null;
}

export class GroupWatch {
  termination: CoreTermination | null = null;
  /** Set when the main process exited (its pipes may still be open). */
  exit: Exit | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly cleanups: (() => void)[] = [];
  private ended = false;

  /** The plugin leads its own group: its pid is the group id. */
  constructor(readonly pgid: number) {}

  /** Keeps the first reason only; true when this one was the first. */
  recordTermination(reason: CoreTermination): boolean {
    if (this.termination !== null) return false;
    this.termination = reason;
    return true;
  }

  kill(signal: NodeJS.Signals): void {
    signalGroup(this.pgid, signal);
  }

  /** Runs `fn` after `ms` unless the watch ended first. */
  after(ms: number, fn: () => void): void {
    if (this.ended) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Runs `fn` when the watch ends (to remove a listener the watch added elsewhere). */
  onEnd(fn: () => void): void {
    this.cleanups.push(fn);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const fn of this.cleanups) fn();
  }
}
