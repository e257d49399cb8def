// The pool's deadlines: a task's timeout clock (from when it starts on a ready worker) and its
// AbortSignal, and how either stops the task: skipped if it has not started, its worker killed
// (and replaced) if it is running, let through if its result is already on its way.
import { TimeoutError } from '../errors.js';
import { longTimeout } from '../util/long-timer.js';
import { stopOverlapping } from './overlap.js';
import type { Task } from './task.js';

export class Deadlines {
  /** One 'abort' listener per signal, however many tasks share it (map chunks, many applies). */
  private readonly watched = new Map<AbortSignal, Set<Task>>();

  /**
   * `overlapping`: tasksPerWorker > 1. `abortedInQueue`: a task still in the pool's queue was
   * aborted and settled (it stays there until it reaches the head).
   */
  constructor(
    private readonly overlapping: boolean,
    private readonly abortedInQueue: () => void,
  ) {}

  watch(task: Task): void {
    const signal = task.signal!;
    let tasks = this.watched.get(signal);
    if (!tasks) {
      const set = new Set<Task>();
      tasks = set;
      this.watched.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          this.watched.delete(signal);
          for (const t of [...set]) this.abort(t);
        },
        { once: true },
      );
    }
    tasks.add(task);
  }

  unwatch(task: Task): void {
    const tasks = this.watched.get(task.signal!);
    tasks?.delete(task);
    // The listener stays until the signal fires or is collected; it only holds the empty set.
  }

  /** The timeout clock runs from when the task became first on a ready worker. */
  startTimer(task: Task): void {
    if (task.timeout === undefined || task.done || !task.slot?.ready || task.timer) return;
    task.timer = longTimeout(() => {
      task.timer = undefined;
      this.stopTask(task, new TimeoutError(`task did not finish within ${task.timeout} ms; its worker was stopped and replaced`));
    }, task.timeout);
  }

  private abort(task: Task): void {
    if (task.done) return;
    const reason = task.signal?.reason;
    // Not sent to a worker yet: it is in the queue, where it stays (settled) until pump() drops it.
    if (!task.slot) {
      this.abortedInQueue();
      task.settle({ ok: false, error: reason });
      return;
    }
    this.stopTask(task, reason, true);
  }

  /**
   * Stops `task` for `reason`: not started yet, it is skipped; running, its worker is killed
   * (and replaced); already finished (its result still on its way), an abort settles it now
   * and a timeout lets the result through (it finished in time).
   */
  private stopTask(task: Task, reason: unknown, abort = false): void {
    const slot = task.slot;
    if (task.done || !slot) return;
    if (this.overlapping) {
      stopOverlapping(task, slot, reason);
      return;
    }
    const started = slot.startedSeq();
    if (task.seq === started) {
      slot.kill(reason, task);
      return;
    }
    if (task.seq < started && !abort) return;
    if (task.seq > started) slot.cancel(task);
    task.settle({ ok: false, error: reason });
  }
}
