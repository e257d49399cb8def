// The events a Pool emits, and how: every listener runs, and one that throws is reported with
// process.emitWarning (as a throwing callback is; an async one that rejects too) instead of stopping the pool or the other
// listeners. Any Pool implementation can use it: extend EventEmitter<PoolEvents> and emit
// through `emitSafely`.
import type { EventEmitter } from 'node:events';
import { reportCallbackError } from './report.js';

/** 'workerStart': a worker was started (its pid; threadId in the thread context). */
export interface WorkerStartInfo { pid: number; threadId: number | undefined }
/** 'workerExit': a worker ended; `lostTasks` it had started and not finished (WorkerLostError, or run again under retries). */
export interface WorkerExitInfo { pid: number; threadId: number | undefined; exitCode: number | null; signal: string | null; lostTasks: number }
export interface PoolEvents {
  workerStart: [info: WorkerStartInfo];
  workerExit: [info: WorkerExitInfo];
  /** Nothing queued and nothing running. */
  drain: [];
}

export function emitSafely<K extends keyof PoolEvents>(emitter: EventEmitter<PoolEvents>, event: K, ...args: PoolEvents[K]): void {
  // rawListeners: a once() listener is its wrapper, which removes itself when called.
  for (const listener of emitter.rawListeners(event as 'drain') as ((...a: unknown[]) => unknown)[]) {
    try {
      const r = listener.apply(emitter, args);
      // An async listener's rejection is reported too, never left unhandled (which would end the program).
      if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
        (r as PromiseLike<unknown>).then(undefined, (e: unknown) => reportCallbackError(`'${event}' listener`, e));
      }
    } catch (e) { reportCallbackError(`'${event}' listener`, e); }
  }
}
