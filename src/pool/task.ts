// One unit of pool work (a call, or a chunk of map items) and how it ends.
import type { FnRef } from '../functions/reference.js';
import type { Transit } from '../codec/reduce.js';
import type { WorkerSlot } from './worker-slot.js';
import { type LongTimer } from '../util/long-timer.js';
import type { Mode } from '../protocol/runtime.js';

export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; error: unknown }
  /** A chunk where some items failed: results by position, and [position, error] pairs. */
  | { ok: 'partial'; values: unknown[]; errors: [number, unknown][] };

export interface SubmitOptions {
  /** Milliseconds the task may run; then its worker is stopped and replaced, the task rejects with TimeoutError. */
  timeout?: number;
  /** Aborting rejects with the signal's reason and stops the running work. */
  signal?: AbortSignal;
  /**
   * How many times to run the task again, on another worker, when the worker running it dies
   * (exit, signal, out of memory). Default 0. Only for idempotent work: a retried task may have
   * run partly, or completely with its result lost. Tasks that threw, timed out or were aborted
   * are never retried, nor are tasks that carry a pipe end (it died with the worker).
   */
  retries?: number;
}

/** What Pool hands the scheduler for one task: the function, how to apply it, its packed arguments. */
export interface TaskWork {
  /** The pool's number for the function: a worker is sent its FnRef once. */
  fnId: number;
  fnRef: FnRef;
  mode: Mode;
  /** Codec bytes of the arguments (apply) or the chunk's items (map, starmap). */
  payload: Uint8Array;
  /** Pipe ends travelling inside the payload. */
  transits: Transit[];
}

export interface Task extends TaskWork {
  id: number;
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  /** Runs allowed after a lost worker (SubmitOptions.retries). */
  retries: number;
  /** Times a worker died while this task had (or may have) started on it. */
  losses: number;
  timer: LongTimer | undefined;
  slot: WorkerSlot | null;
  /** Its position among the tasks sent to its current worker (1-based). */
  seq: number;
  done: boolean;
  /** Sent to a worker at least once (its pipe ends then belong to the worker that decodes it). */
  dispatched: boolean;
  /** When it was submitted, and when a worker started it (undefined until then; reset for a retry): for stats. */
  queuedAt: number;
  startedAt: number | undefined;
  /** Set when it ends because its worker died under it (stats count it as lost). */
  lostWorker: boolean;
  /** tasksPerWorker > 1: after a timeout or abort, how long its worker has to give it up. */
  grace: NodeJS.Timeout | undefined;
  settle: (outcome: Outcome) => void;
}
