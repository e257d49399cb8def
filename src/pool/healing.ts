// What happens to a dead worker's tasks: the one the pool killed it for settles with that
// reason, those it never started wait again, those it started are lost (WorkerLostError) or,
// under `retries`, run again on another worker. The scheduler requeues and replaces the worker.
import { errors } from '../errors.js';
import type { ExitInfo } from '../runtime/spawn.js';
import type { Task } from './task.js';
import type { WorkerSlot } from './worker-slot.js';

export interface Healing {
  /** The pool may run a task again now (not terminated, not failed). */
  mayRetry(): boolean;
  /** A started task goes back to the queue under `retries` (for stats). */
  retried(): void;
  /** maxMemoryPerWorker in MB, for the advice of an out-of-memory loss. */
  maxMemoryMb: number | null;
}

/**
 * Workers that could not even be started (ERR_WORKER_START: no file descriptor, no process
 * slot) do not fail the pool: it tries again after a delay that doubles up to this cap.
 */
const RESPAWN_MAX_DELAY_MS = 2000;

/** The timer of the next try after workers could not be started, and the failures in a row. */
export class RespawnBackoff {
  /** Spawns that failed in a row (ERR_WORKER_START). */
  failures = 0;
  private timer: NodeJS.Timeout | undefined;

  /** A try is scheduled: no other worker starts before it (no hot respawn loop). */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /** Runs `retry` after a delay that doubles with each failure in a row. */
  schedule(retry: () => void, refed: boolean): void {
    const delay = Math.min(RESPAWN_MAX_DELAY_MS, 25 * 2 ** Math.min(this.failures, 10));
    this.timer = setTimeout(retry, delay);
    if (!refed) this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Whether the scheduled try keeps the program alive. */
  ref(want: boolean): void {
    if (want) this.timer?.ref();
    else this.timer?.unref();
  }
}

/** A task going back to the queue: its timeout clock stops and it has not started. */
function unstart(task: Task): void {
  if (task.timer) {
    task.timer.clear();
    task.timer = undefined;
  }
  task.startedAt = undefined;
}

/**
 * Settles or sorts the unanswered tasks `lost` of the dead worker `slot`. Returns those to
 * requeue (in order: never started, and retries) and how many it had started.
 */
export function sortLostTasks(slot: WorkerSlot, info: ExitInfo, lost: Task[], healing: Healing): { requeue: Task[]; lostTasks: number } {
  const started = slot.startedOnExit(lost);
  const target = slot.killTarget;
  const requeue: Task[] = [];
  let lostTasks = 0;
  for (const t of lost) {
    if (t.grace) {
      clearTimeout(t.grace);
      t.grace = undefined;
    }
    if (t.done) continue;
    if (t === target) {
      t.settle({ ok: false, error: slot.killReason });
      continue;
    }
    t.slot = null;
    // Never started (with tasksPerWorker > 1 its clock ran from when it was sent): it waits
    // again, and its timeout counts from when it starts on the replacement.
    if (t.seq > started) {
      unstart(t);
      requeue.push(t);
      continue;
    }
    // Started: it ran (its result is lost) or was running. Run again only if asked to.
    t.losses++;
    lostTasks++;
    if (t.losses <= t.retries && t.transits.length === 0 && healing.mayRetry()) {
      unstart(t);
      healing.retried();
      requeue.push(t);
      continue;
    }
    t.lostWorker = true;
    t.settle({ ok: false, error: lostError(slot, info, t, healing.maxMemoryMb) });
  }
  return { requeue, lostTasks };
}

function lostError(slot: WorkerSlot, info: ExitInfo, task: Task, maxMemoryMb: number | null): Error {
  const how = info.outOfMemory ? 'ran out of memory' : info.signal ? `was killed by ${info.signal}` : `exited with code ${info.exitCode}`;
  const times = task.losses > 1 ? ` (the task lost its worker ${task.losses} times, retries: ${task.retries})` : '';
  const advice = info.outOfMemory
    ? maxMemoryMb !== null
      ? `raise maxMemoryPerWorker (now ${maxMemoryMb} MB) or make the task use less memory`
      : 'make the task use less memory'
    : task.retries === 0 && task.transits.length === 0
      ? 'if the task is idempotent, pass { retries: n } to run it again on another worker'
      : '';
  return (info.outOfMemory ? errors.workerOutOfMemory : errors.workerLost)(
    `worker ${slot.name} ${how} while running a task${times}; the pool replaced it${advice ? `; ${advice}` : ''}`,
    { exitCode: info.exitCode, signal: info.signal },
  );
}
