// What changes when a worker runs several tasks at once (tasksPerWorker > 1): which of its
// tasks had started when it died, and how a timeout or abort stops one of them.
import { M } from '../runtime/protocol.js';
import type { Task } from './task.js';
import type { WorkerSlot } from './worker-slot.js';

/**
 * ms a worker has to give up a task that timed out or was aborted (its taskSignal() fired);
 * after that the worker is stopped, and the other tasks it was running are lost
 * (WorkerLostError, or run again under `retries`).
 */
export const ABORT_GRACE_MS = 1000;

/**
 * Sequence number of the last task an overlapping worker started. It starts tasks in the order
 * they were sent and records each in its progress cell before it begins, so every task up to
 * that number started and none after it did. Without any cell, everything sent counts as
 * started (a death then loses those tasks rather than running one twice).
 */
export function startedOverlapping(slot: WorkerSlot): number {
  const progress = slot.handle.progress;
  return progress ? progress.read() : slot.assigned;
}

/**
 * A task of an overlapping worker timed out or was aborted. Not started yet, it is skipped.
 * Running, it settles now and its taskSignal() is aborted in the worker; a worker that has not
 * given it up after ABORT_GRACE_MS (synchronous code, a task that ignores the signal) is
 * stopped as with one task per worker.
 */
export function stopOverlapping(task: Task, slot: WorkerSlot, reason: unknown): void {
  if (task.seq > startedOverlapping(slot)) {
    slot.handle.channel.send([M.CANCEL, task.id]);
    task.settle({ ok: false, error: reason });
    return;
  }
  task.settle({ ok: false, error: reason });
  slot.handle.channel.send([M.ABORT, task.id]);
  task.grace = setTimeout(() => {
    task.grace = undefined;
    // Still there: its result never came back.
    let still = false;
    for (let i = 0; i < slot.inflight.length; i++) if (slot.inflight.at(i) === task) still = true;
    if (still && !slot.handle.exit) slot.kill(reason);
  }, ABORT_GRACE_MS);
  task.grace.unref();
}
