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

/** Where a task's end goes: the scheduler's bookkeeping (stats, busy count, signal watch). */
export interface TaskOwner {
  finish(task: Task, outcome: Outcome): void;
}

/**
 * What the caller hears: `then(outcome, task)` (a map chunk or an imap chunk: one function shared
 * by all of a call's chunks, each told apart by its `tag`), or, for one call (apply), the
 * caller's own promise's resolve and reject.
 */
export type TaskThen = (outcome: Outcome, task: Task) => void;
type Resolve = (value: unknown) => void;
type Reject = (error: unknown) => void;

/**
 * A task is a class with its fields set in the constructor (one hidden class, no per-task
 * closures): a burst of 20,000 submissions keeps 20,000 of them alive at once, and the parent's
 * garbage collector had to trace two closures and their contexts per task besides.
 */
export class Task implements TaskWork {
  /** Runs allowed after a lost worker (SubmitOptions.retries). */
  readonly retries: number;
  /** Times a worker died while this task had (or may have) started on it. */
  losses = 0;
  timer: LongTimer | undefined = undefined;
  slot: WorkerSlot | null = null;
  /** Its position among the tasks sent to its current worker (1-based). */
  seq = 0;
  done = false;
  /** Sent to a worker at least once (its pipe ends then belong to the worker that decodes it). */
  dispatched = false;
  /** When a worker started it (undefined until then; reset for a retry): for stats. */
  startedAt: number | undefined = undefined;
  /** Set when it ends because its worker died under it (stats count it as lost). */
  lostWorker = false;
  /** tasksPerWorker > 1: after a timeout or abort, how long its worker has to give it up. */
  grace: NodeJS.Timeout | undefined = undefined;
  readonly timeout: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** When it was submitted: for stats. */
  readonly queuedAt: number;

  constructor(
    readonly id: number,
    private readonly owner: TaskOwner,
    readonly fnId: number,
    readonly fnRef: FnRef,
    readonly mode: Mode,
    readonly payload: Uint8Array,
    readonly transits: Transit[],
    opts: SubmitOptions | undefined,
    private readonly then: TaskThen | null,
    /** The caller's number for it (a map chunk's index); 0 when unused. */
    readonly tag: number,
    private readonly resolve: Resolve | null,
    private readonly reject: Reject | null,
  ) {
    this.timeout = opts?.timeout;
    this.signal = opts?.signal;
    this.retries = opts?.retries ?? 0;
    this.queuedAt = performance.now();
  }

  /** Ends it with `outcome`, at most once: later calls do nothing. */
  settle(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.owner.finish(this, outcome);
  }

  /** Tells the caller (the owner calls it once, from finish). */
  tell(outcome: Outcome): void {
    if (this.then) this.then(outcome, this);
    else if (outcome.ok === true) this.resolve!(outcome.value);
    else this.reject!(outcome.ok === false ? outcome.error : undefined);
  }
}
