// How a `multiproc worker` hands its tasks to its local Pool. A task with a timeout or
// retries, or any task while tasks run long, is one pool task (the local pool stops it on
// timeout or cancel, and reruns it under retries). While tasks are short, a task goes at once
// when a process is free; those taken while every process is busy wait and then travel together
// as one pool task (runClusterBatch): the hop to a pool process and back, the worker's most
// expensive step for a trivial task, is paid once per batch. A batch runs its tasks one after another in one process, as that process would
// have; each task keeps its own result or error. A batch is stopped only when every task in
// it was cancelled (a cancelled task's result is dropped by the worker either way); a pool
// process that dies under a batch loses all of its tasks, each rejecting WorkerLostError as a
// single task would (none is run again: at most once).
import { runClusterBatch, runClusterTask } from './run-task.js';
import type { Pool } from '../pool/pool.js';
import type { TaskHeader } from './wire.js';

/**
 * How the worker stops one task (its submitter cancelled it, or Redis stayed away). An
 * AbortSignal is made only for a task that runs alone: a short batched task needs no more than
 * the flag, and an AbortController per trivial task is a measurable share of a worker's time.
 */
export class TaskCancel {
  aborted = false;
  private ac: AbortController | undefined;
  /** Told once when the task is cancelled (a batch checks whether all of it was). */
  onAbort: (() => void) | undefined;

  get signal(): AbortSignal {
    this.ac ??= new AbortController();
    return this.ac.signal;
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.ac?.abort(reason);
    this.onAbort?.();
  }
}

interface Member {
  bytes: Uint8Array;
  cancel: TaskCancel;
  resolve: (out: Uint8Array) => void;
  reject: (e: unknown) => void;
}

export class TaskRunner {
  /** Mean ms per task (smoothed), taken to choose the worker's concurrency and batching. */
  avgMs = 100;
  /** Short tasks waiting for a pool process to come free. */
  private waiting: Member[] = [];
  /** Pool calls made and not settled. */
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly root: string,
    private readonly processes: number,
    private readonly maxBatch: () => number,
  ) {}

  /** Tasks are short: batch them, and hold many at once. */
  get short(): boolean {
    return this.avgMs < 20;
  }

  private note(ms: number): void {
    this.avgMs = this.avgMs * 0.9 + ms * 0.1;
  }

  /** The task's outcome bytes ([Kind, ...codec bytes]); rejects as a local pool task would. */
  run(bytes: Uint8Array, header: TaskHeader, cancel: TaskCancel): Promise<Uint8Array> {
    if (header.t !== undefined || header.k || !this.short) {
      const t0 = performance.now();
      this.inFlight++;
      return this.pool.apply(runClusterTask, [bytes, this.root], { timeout: header.t, signal: cancel.signal, retries: header.k }).finally(() => {
        this.note(performance.now() - t0);
        this.settled();
      });
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({ bytes, cancel, resolve, reject });
      // A process is free (or about to be: one call runs and one waits per process): go now,
      // a lone task pays no wait. Otherwise tasks gather until a call settles.
      if (this.inFlight < this.processes * 2 || this.waiting.length >= this.maxBatch()) this.dispatch();
    });
  }

  private settled(): void {
    this.inFlight--;
    if (this.waiting.length > 0) this.dispatch();
  }

  /** Sends the next batch: an even share of what waits per process (so no process is left idle), at most maxBatch. */
  private dispatch(): void {
    // Tasks cancelled while they waited are not run at all.
    const live = this.waiting.filter((m) => !m.cancel.aborted || void m.reject(new Error('cancelled before it ran')));
    const n = Math.min(this.maxBatch(), Math.ceil(live.length / this.processes));
    const batch = live.slice(0, n);
    this.waiting = live.slice(n);
    if (batch.length === 0) return;
    const ac = new AbortController();
    const onAbort = () => {
      if (batch.every((m) => m.cancel.aborted)) ac.abort(new Error('every task of this batch was cancelled'));
    };
    for (const m of batch) m.cancel.onAbort = onAbort;
    const t0 = performance.now();
    this.inFlight++;
    const call: Promise<Uint8Array[]> =
      batch.length === 1
        ? this.pool.apply(runClusterTask, [batch[0]!.bytes, this.root], { signal: ac.signal }).then((out) => [out])
        : this.pool.apply(runClusterBatch, [batch.map((m) => m.bytes), this.root], { signal: ac.signal });
    call
      .then(
        (outs) => {
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(outs[i]!);
        },
        (e: unknown) => {
          for (const m of batch) m.reject(e);
        },
      )
      .finally(() => {
        for (const m of batch) m.cancel.onAbort = undefined;
        this.note((performance.now() - t0) / batch.length);
        this.settled();
      });
  }
}
