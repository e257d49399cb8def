// Sizing helpers of the local pool: the timers that stop workers idle above minProcesses, and
// the maxQueue refusal. The decisions (when to start a worker on demand, which one may exit)
// stay in the scheduler; these only keep its bookkeeping small.
import { errors } from '../errors.js';
import { longTimeout, type LongTimer } from '../util/long-timer.js';

/** One timer per idle worker; `expire(worker)` runs after `ms` unless disarmed first. */
export class IdleTimers<W> {
  readonly #timers = new Map<W, LongTimer>();

  constructor(
    private readonly ms: number,
    private readonly expire: (worker: W) => void,
  ) {}

  arm(worker: W): void {
    if (this.ms === Infinity || this.#timers.has(worker)) return;
    // Like idle workers, a pending idle exit never keeps the program alive.
    const timer = longTimeout(() => {
      this.#timers.delete(worker);
      this.expire(worker);
    }, this.ms).unref();
    this.#timers.set(worker, timer);
  }

  disarm(worker: W): void {
    const timer = this.#timers.get(worker);
    if (timer) {
      timer.clear();
      this.#timers.delete(worker);
    }
  }
}

export function queueFullError(queued: number, adding: number, max: number): Error {
  return errors.poolQueueFull(
    `the pool's queue is full: ${queued} tasks wait and this call adds ${adding}, over maxQueue ${max}; wait for tasks to finish (pool.on('drain')), use bigger chunks, or raise maxQueue`,
  );
}
