// Timers for user-given timeouts. Node's setTimeout takes at most 2^31-1 ms: anything longer
// (and Infinity) fires after 1 ms with a TimeoutOverflowWarning. Every wait that takes a
// timeout from a caller arms its timer here, which chains setTimeout for longer delays, so a
// timeout of 2 ** 31 + 1000 ms really waits that long.

/** The longest delay one Node timer can wait. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class LongTimer {
  #timer: NodeJS.Timeout | null = null;
  #refd = true;
  #due: number;
  #done = false;

  constructor(
    private readonly fn: () => void,
    ms: number,
  ) {
    this.#due = performance.now() + Math.max(0, ms);
    // An infinite delay never fires: no Node timer at all (nothing to keep the loop alive for).
    if (Number.isFinite(ms)) this.#arm(Math.max(0, ms));
  }

  #arm(ms: number): void {
    const step = Math.min(ms, MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const left = this.#due - performance.now();
      // Timers may fire a little early; a chained one re-arms for what is left.
      if (step < ms && left > 0) {
        this.#arm(left);
        return;
      }
      this.#done = true;
      this.fn();
    }, step);
    if (!this.#refd) this.#timer.unref();
  }

  clear(): void {
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  unref(): this {
    this.#refd = false;
    this.#timer?.unref();
    return this;
  }
  ref(): this {
    this.#refd = true;
    this.#timer?.ref();
    return this;
  }
  get fired(): boolean {
    return this.#done;
  }
}

/** Calls `fn` after `ms` milliseconds (any length, Infinity: never); `clear()` cancels. */
export function longTimeout(fn: () => void, ms: number): LongTimer {
  return new LongTimer(fn, ms);
}
