// Backpressure for bytes posted over a MessagePort, shared by the three port links (a thread's
// channel, transport.ts; a thread's hub link, hub/port-link.ts; a thread's Pipe route port,
// connection/route-port.ts). postMessage never blocks and never says how much the other thread
// has not read yet, so each side keeps a counter in shared memory: the sender adds what it
// posts, the reader subtracts what it has read and wakes the sender; past a high-water mark
// awaited sends wait for the counter to come back under it.

/** The sending side's counter: bytes this side posted and the other has not read yet. */
export class PortPressure {
  readonly #mine: BigInt64Array;
  readonly #highWater: bigint;
  readonly #closed: () => boolean;
  #waiting: Promise<void> | null = null;

  /** `closed`: once true, pressure() gives null and a waiting sender stops waiting. */
  constructor(mine: BigInt64Array, highWater: number, closed: () => boolean) {
    this.#mine = mine;
    this.#highWater = BigInt(highWater);
    this.#closed = closed;
  }

  /** Counts `n` bytes about to be posted. */
  add(n: number): void {
    Atomics.add(this.#mine, 0, BigInt(n));
  }

  /** null while under the high-water mark; else one promise shared by every waiting sender. */
  pressure(): Promise<void> | null {
    if (this.#closed() || Atomics.load(this.#mine, 0) <= this.#highWater) return null;
    this.#waiting ??= this.#untilUnder();
    return this.#waiting;
  }

  async #untilUnder(): Promise<void> {
    try {
      while (!this.#closed()) {
        const now = Atomics.load(this.#mine, 0);
        if (now <= this.#highWater) return;
        // A timeout too, so a closed port is noticed even if nobody notifies.
        const r = Atomics.waitAsync(this.#mine, 0, now, 1000);
        if (r.async) await r.value;
      }
    } finally {
      this.#waiting = null;
    }
  }
}

/**
 * The reading side's view of the other side's counter: gives room back as bytes are read.
 * `paced`: near the high-water mark the room comes back only once this thread's event loop has
 * turned (setImmediate). A sender waiting on it would otherwise refill the port as fast as this
 * thread reads it, the port's message events would never let the loop reach its timers, and a
 * consumer that paces itself (a sleep between recv()s) would starve while messages pile up.
 * Far below the mark nobody waits, so the room comes back at once either way.
 */
export class PortCredit {
  readonly #theirs: BigInt64Array;
  readonly #half: bigint;
  readonly #highWater: bigint;
  readonly #paced: boolean;
  #owed = 0;
  #crediting = false;

  constructor(theirs: BigInt64Array, highWater: number, paced: boolean) {
    this.#theirs = theirs;
    this.#half = BigInt(highWater / 2);
    this.#highWater = BigInt(highWater);
    this.#paced = paced;
  }

  /** `n` bytes of the other side's were read. */
  credit(n: number): void {
    if (!this.#paced || (!this.#crediting && Atomics.load(this.#theirs, 0) <= this.#half)) {
      this.#give(n);
      return;
    }
    this.#owed += n;
    if (this.#crediting) return;
    this.#crediting = true;
    setImmediate(() => {
      this.#crediting = false;
      const owed = this.#owed;
      this.#owed = 0;
      this.#give(owed);
    }).unref();
  }

  #give(n: number): void {
    // A sender waits only while the counter is over the mark, on the value it saw there: the
    // first read after that starts from it. Below the mark nobody waits, and no notify is made.
    if (Atomics.sub(this.#theirs, 0, BigInt(n)) > this.#highWater) Atomics.notify(this.#theirs, 0);
  }
}

/** A fresh shared counter (8 bytes) for one direction of a port. */
export function newCounter(): BigInt64Array<SharedArrayBuffer> {
  return new BigInt64Array(new SharedArrayBuffer(8));
}

/** The counter the other side sent with its first batch, if that is what `buffer` is. */
export function counterOf(buffer: unknown): BigInt64Array | null {
  return buffer instanceof SharedArrayBuffer && buffer.byteLength === 8 ? new BigInt64Array(buffer) : null;
}
