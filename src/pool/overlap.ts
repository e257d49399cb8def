// What changes when a worker runs several tasks at once (tasksPerWorker > 1): how a timeout
// or abort stops one of them (which of its tasks had started: WorkerSlot.startedSeq).
import type { Task } from './task.js';
import type { WorkerSlot } from './worker-slot.js';

/**
 * ms a worker has to give up a task that timed out or was aborted (its taskSignal() fired);
 * after that the worker is stopped, and the other tasks it was running are lost
 * (WorkerLostError, or run again under `retries`).
 */
export const ABORT_GRACE_MS = 1000;

/**
 * A task of an overlapping worker timed out or was aborted. Not started yet, it is skipped.
 * Running, it settles now and its taskSignal() is aborted in the worker; a worker that has not
 * given it up after ABORT_GRACE_MS (synchronous code, a task that ignores the signal) is
 * stopped as with one task per worker.
 */
export function stopOverlapping(task: Task, slot: WorkerSlot, reason: unknown): void {
  if (task.seq > slot.startedSeq()) {
    slot.cancel(task);
    task.settle({ ok: false, error: reason });
    return;
  }
  task.settle({ ok: false, error: reason });
  slot.abortRunning(task);
  task.grace = setTimeout(() => {
    task.grace = undefined;
    // Still there: its result never came back.
    let still = false;
    for (let i = 0; i < slot.inflight.length; i++) if (slot.inflight.at(i) === task) still = true;
    if (still && !slot.exited) slot.kill(reason);
  }, ABORT_GRACE_MS);
  task.grace.unref();
}
