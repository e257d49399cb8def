// One unit of pool work (a call, or a chunk of map items) and how it ends.
import type { FnRef } from '../functions/reference.js';
import type { Transit } from '../codec/reduce.js';
import type { WorkerSlot } from './worker-slot.js';

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
}

export interface Task {
  id: number;
  fnId: number;
  fnRef: FnRef;
  mode: number;
  payload: Uint8Array;
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  timer: NodeJS.Timeout | undefined;
  slot: WorkerSlot | null;
  /** Its position among the tasks sent to its current worker (1-based). */
  seq: number;
  done: boolean;
  /** Sent to a worker at least once (its pipe ends then belong to the worker that decodes it). */
  dispatched: boolean;
  /** Pipe ends travelling inside the payload. */
  transits: Transit[];
  settle: (outcome: Outcome) => void;
}
