// The iterator imap/imapUnordered return. It reads its input lazily, keeping a bounded
// number of items in flight, yields results in input order (imap) or as they finish
// (imapUnordered); a failing item rejects at its own position and iteration goes on.
import { TimeoutError } from '../errors.js';
import { Ring } from '../util/ring.js';
import type { ProgressTracker } from './progress.js';
import type { Outcome } from './task.js';
import { longTimeout, type LongTimer } from '../util/long-timer.js';

type ItemOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface ImapSource {
  /** Items per task. */
  chunksize: number;
  /** Items that may be read ahead of the consumer. */
  window: number;
  /** Submits one chunk; `settle` receives its outcome. Throws if it cannot be encoded. */
  submit(items: unknown[], settle: (o: Outcome) => void): void;
  hold(): void;
  release(): void;
  /** Called once the iterator no longer reads input. */
  finished(it: ImapIterator<unknown>): void;
  /** Told as items finish, and the total once the input ended (or iteration stopped). */
  progress?: ProgressTracker | null;
}

interface Waiter {
  resolve: (r: IteratorResult<never>) => void;
  reject: (e: unknown) => void;
  timer?: LongTimer;
}

export class ImapIterator<R> implements AsyncIterableIterator<R> {
  #it: Iterator<unknown> | AsyncIterator<unknown>;
  #async: boolean;
  #read = 0;
  #consumed = 0;
  #sourceDone = false;
  #sourceError: { error: unknown } | null = null;
  #reading = false;
  #stopped = false;
  /** Set when the pool was terminated under this iterator: the next wait rejects with it. */
  #failure: { error: unknown } | null = null;
  #eager = false;
  #ordered = new Map<number, ItemOutcome>();
  #unordered = new Ring<ItemOutcome>();
  #waiters = new Ring<Waiter>();

  /** @internal */
  constructor(
    private readonly src: ImapSource,
    input: Iterable<unknown> | AsyncIterable<unknown>,
    private readonly inOrder: boolean,
  ) {
    const asyncIt = (input as AsyncIterable<unknown>)[Symbol.asyncIterator];
    this.#async = typeof asyncIt === 'function';
    this.#it = this.#async ? (input as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (input as Iterable<unknown>)[Symbol.iterator]();
    this.#fill();
  }

  /** @internal The pool closed: read the rest of the input now so join() can finish. */
  drainInput(): void {
    this.#eager = true;
    this.#fill();
  }

  #fill(): void {
    if (this.#reading || this.#sourceDone || this.#stopped) return;
    if (!this.#eager && this.#read - this.#consumed >= this.src.window) return;
    this.#reading = true;
    this.src.hold();
    void this.#fillLoop().finally(() => {
      this.#reading = false;
      if (this.#sourceDone || this.#stopped) {
        this.src.progress?.setTotal(this.#read);
        this.src.finished(this as ImapIterator<unknown>);
      }
      this.src.release();
      this.#wake();
    });
  }

  async #fillLoop(): Promise<void> {
    while (!this.#sourceDone && !this.#stopped && (this.#eager || this.#read - this.#consumed < this.src.window)) {
      const items: unknown[] = [];
      while (items.length < this.src.chunksize) {
        let r: IteratorResult<unknown>;
        try {
          r = this.#async ? await (this.#it as AsyncIterator<unknown>).next() : (this.#it as Iterator<unknown>).next();
        } catch (error) {
          this.#sourceError = { error };
          this.#sourceDone = true;
          break;
        }
        if (r.done) {
          this.#sourceDone = true;
          break;
        }
        items.push(r.value);
      }
      if (items.length === 0 || this.#stopped) break;
      const first = this.#read;
      this.#read += items.length;
      try {
        this.src.submit(items, (o) => this.#store(first, items.length, o));
      } catch (error) {
        this.#store(first, items.length, { ok: false, error });
      }
    }
  }

  #store(first: number, count: number, o: Outcome): void {
    // Items count as they finish, also those nobody will read after a `break`.
    this.src.progress?.add(count, o.ok === true ? 0 : o.ok === false ? count : o.errors.length);
    if (this.#stopped) return;
    const errors = o.ok === 'partial' ? new Map(o.errors) : null;
    for (let i = 0; i < count; i++) {
      let item: ItemOutcome;
      if (o.ok === true) item = { ok: true, value: (o.value as unknown[])[i] };
      else if (o.ok === false) item = { ok: false, error: o.error };
      else item = errors!.has(i) ? { ok: false, error: errors!.get(i) } : { ok: true, value: o.values[i] };
      if (this.inOrder) this.#ordered.set(first + i, item);
      else this.#unordered.push(item);
    }
    this.#wake();
  }

  #takeReady(): ItemOutcome | undefined {
    if (this.inOrder) {
      const item = this.#ordered.get(this.#consumed);
      if (item) this.#ordered.delete(this.#consumed);
      return item;
    }
    return this.#unordered.shift();
  }

  #isDone(): boolean {
    return this.#stopped || (this.#sourceDone && !this.#reading && this.#consumed === this.#read);
  }

  /** Resolves the next waiter if something can be said; returns whether it did. */
  #answer(w: Waiter): boolean {
    const item = this.#takeReady();
    if (item) {
      this.#consumed++;
      if (w.timer) w.timer.clear();
      if (item.ok) w.resolve({ value: item.value as never, done: false });
      else w.reject(item.error);
      this.#fill();
      return true;
    }
    if (this.#isDone()) {
      if (w.timer) w.timer.clear();
      if (this.#failure) {
        const f = this.#failure;
        this.#failure = null;
        w.reject(f.error);
        return true;
      }
      const err = this.#sourceError;
      if (err && !this.#stopped) {
        this.#sourceError = null;
        w.reject(err.error);
      } else w.resolve({ value: undefined as never, done: true });
      return true;
    }
    return false;
  }

  #wake(): void {
    for (let w = this.#waiters.peek(); w && this.#answer(w); w = this.#waiters.peek()) this.#waiters.shift();
  }

  /** The next result. With `timeout` (ms), rejects with TimeoutError when none is ready in time; iteration can go on. */
  next(timeout?: number): Promise<IteratorResult<R>> {
    return new Promise<IteratorResult<R>>((resolve, reject) => {
      const w: Waiter = { resolve: resolve as Waiter['resolve'], reject };
      if (this.#waiters.length === 0 && this.#answer(w)) return;
      if (timeout !== undefined && timeout !== null) {
        w.timer = longTimeout(() => {
          this.#waiters.remove(w);
          reject(new TimeoutError(`no result within ${timeout} ms`));
        }, timeout);
      }
      this.#waiters.push(w);
      this.#fill();
    });
  }

  /** @internal The pool was terminated: waiting and later calls reject once with `error`. */
  fail(error: unknown): void {
    if (this.#stopped) return;
    this.#failure = { error };
    void this.return();
  }

  /** Stops reading input (a `break` in for await calls this). */
  return(): Promise<IteratorResult<R>> {
    if (!this.#stopped) {
      this.#stopped = true;
      const it = this.#it as Iterator<unknown>;
      try {
        void it.return?.();
      } catch {
        /* the input's own cleanup failed; nothing to report to */
      }
      if (!this.#reading) {
        this.src.progress?.setTotal(this.#read);
        this.src.finished(this as ImapIterator<unknown>);
      }
      this.#ordered.clear();
      this.#wake();
    }
    return Promise.resolve({ value: undefined as never, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
