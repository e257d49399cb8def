// The events a Pool emits, and how: every listener runs, and one that throws (or an async one
// that rejects) is reported with
// process.emitWarning (as a throwing callback is) instead of stopping the pool or the other
// listeners. Any Pool implementation can use it: extend EventEmitter<PoolEvents> and emit
// through `emitSafely`.
import type { EventEmitter } from 'node:events';
import { callReporting } from './report.js';

/** 'workerStart': a worker was started (its pid; threadId in the thread context). */
export interface WorkerStartInfo {
  pid: number;
  threadId: number | undefined;
}
/** 'workerExit': a worker ended; `lostTasks` it had started and not finished (WorkerLostError, or run again under retries). */
export interface WorkerExitInfo {
  pid: number;
  threadId: number | undefined;
  exitCode: number | null;
  signal: string | null;
  lostTasks: number;
}
export interface PoolEvents {
  workerStart: [info: WorkerStartInfo];
  workerExit: [info: WorkerExitInfo];
  /** Nothing queued and nothing running. */
  drain: [];
}

export function emitSafely<K extends keyof PoolEvents>(emitter: EventEmitter<PoolEvents>, event: K, ...args: PoolEvents[K]): void {
  // rawListeners: a once() listener is its wrapper, which removes itself when called.
  for (const listener of emitter.rawListeners(event as 'drain') as ((...a: unknown[]) => unknown)[]) {
    callReporting(`'${event}' listener`, () => listener.apply(emitter, args));
  }
}
