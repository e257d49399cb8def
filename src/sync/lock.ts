// Lock, RLock, Semaphore, BoundedSemaphore: proxies of a lock in a hub. Waiters are woken in
// arrival order; a timeout is decided by the hub, so a grant and a timeout never cross. A Lock
// or RLock made where the native addon loads also has its state in shared memory: taking it
// uncontended needs no message at all (hub/objects/shared-lock.ts).
import { threadId } from 'node:worker_threads';
import { misuse, rangeErr, typeErr } from '../errors.js';
import { HubProxy, isAdopting, registerProxyType, wireTimeoutOf, type WaitOptions } from '../hub/proxy.js';
import { COUNT, PID, SHARED_LOCK_BYTES, STATE, THREAD, WAITERS } from '../hub/objects/shared-lock.js';
import { onWorkerThreadExit } from '../runtime/exit-hooks.js';
import { globalSingleton } from '../runtime/state.js';
import { nativeAddon } from '../shm/native.js';
import { attachSegment, createSegment, type Segment } from '../shm/segment.js';

/** What `enter()` returns: releases the lock at the end of an `await using` block. */
export interface Held extends AsyncDisposable {
  release(): Promise<void>;
}

/** A Held whose release runs `release` once, however often it is called. */
export function held(release: () => Promise<void>): Held {
  let done = false;
  const once = () => { if (done) return Promise.resolve(); done = true; return release(); };
  return { release: once, [Symbol.asyncDispose]: once };
}

abstract class LockBase extends HubProxy {
  /** Acquisitions made through this handle and not released yet. */
  #held = 0;
  /** The lock's words in shared memory (Lock and RLock between processes of one machine), or null. */
  #words: Int32Array | null | undefined;

  protected constructor(type: string, spec: object, shared: Segment | null = null) {
    super(type, shared ? { ...spec, shm: shared.name } : spec, shared === null);
    if (shared) { this.#words = new Int32Array(shared.sab, 0, 5); track(this); }
  }

  #shm(): Int32Array | null {
    if (this.#words === undefined) {
      const name = (this.spec as { shm?: unknown }).shm;
      this.#words = typeof name === 'string' ? new Int32Array(attachSegment(name).sab, 0, 5) : null;
      if (this.#words) track(this);
    }
    return this.#words;
  }

  #reentrant(): boolean { return this instanceof RLock; }

  /** Acquires; resolves false when `block: false` or `timeout` ran out first. */
  acquire(options?: WaitOptions): Promise<boolean> {
    const timeout = wireTimeoutOf(options, 'acquire()');
    const a = this.#shm();
    if (a) {
      // Uncontended: one compare-and-swap. Someone waiting at the hub: queue behind them (FIFO).
      if (this.#reentrant() && Atomics.load(a, STATE) === 1 && Atomics.load(a, PID) === process.pid && Atomics.load(a, THREAD) === threadId) {
        Atomics.add(a, COUNT, 1);
        this.#held++;
        return Promise.resolve(true);
      }
      if (Atomics.load(a, WAITERS) === 0 && Atomics.compareExchange(a, STATE, 0, 1) === 0) {
        Atomics.store(a, PID, process.pid);
        Atomics.store(a, THREAD, threadId);
        Atomics.store(a, COUNT, 1);
        this.#held++;
        return Promise.resolve(true);
      }
      if (timeout === 0) return Promise.resolve(false);
    }
    const args = a ? [timeout, process.pid, threadId] : [timeout];
    return (this.call('acquire', ...args) as Promise<boolean>).then((ok) => {
      if (ok) this.#held++;
      return ok;
    });
  }

  /**
   * Releases. In shared memory: a store (and a word to the hub if someone waits there).
   * Otherwise, releasing what this handle acquired cannot fail, so it needs no answer: it goes
   * out ahead of anything this process sends the hub next; else the hub checks it
   * (ERR_RELEASE_UNLOCKED, ERR_NOT_OWNER).
   */
  release(): Promise<void> {
    const a = this.#shm();
    if (a) {
      try { this.#releaseShared(a); } catch (e) { return Promise.reject(e as Error); }
      return Promise.resolve();
    }
    if (this.#held > 0) {
      this.#held--;
      try { this.note('release'); } catch (e) { return Promise.reject(e as Error); }
      return Promise.resolve();
    }
    return this.call('release').then(() => undefined);
  }

  #releaseShared(a: Int32Array): void {
    if (Atomics.load(a, STATE) === 0) throw misuse('ERR_RELEASE_UNLOCKED', 'release() of a lock that is not acquired; acquire it first');
    const mine = Atomics.load(a, PID) === process.pid && Atomics.load(a, THREAD) === threadId;
    if (this.#reentrant()) {
      if (!mine) throw misuse('ERR_NOT_OWNER', 'this RLock is held by another process or thread; only its owner may release it');
      if (Atomics.load(a, COUNT) > 1) { Atomics.sub(a, COUNT, 1); this.#held = Math.max(0, this.#held - 1); return; }
    }
    this.#held = Math.max(0, this.#held - 1);
    this.#free(a);
  }

  /** Frees the lock; tells the hub when someone waits there (it hands the lock on). */
  #free(a: Int32Array): void {
    Atomics.store(a, PID, 0);
    Atomics.store(a, THREAD, 0);
    Atomics.store(a, COUNT, 0);
    Atomics.store(a, STATE, 0);
    if (Atomics.load(a, WAITERS) === 1) { try { this.note('released'); } catch { /* hub gone */ } }
  }

  /** @internal A worker thread of this process ended: if it held this lock, the lock is free again. */
  releaseIfHeldBy(thread: number): void {
    const a = this.#words;
    if (a && Atomics.load(a, STATE) === 1 && Atomics.load(a, PID) === process.pid && Atomics.load(a, THREAD) === thread) this.#free(a);
  }

  /** `await using held = await lock.enter()`: acquired now, released when the block ends. */
  async enter(): Promise<Held> {
    await this.acquire();
    return held(() => this.release());
  }
}

/** Shared memory for a new Lock or RLock when processes of this machine can map it, else null (hub only). */
function sharedWords(): Segment | null {
  return !isAdopting() && nativeAddon() ? createSegment(SHARED_LOCK_BYTES) : null;
}

// Locks in shared memory this thread knows, so a worker thread that ends holding one is undone.
const sharedLocks = globalSingleton('sharedHubLocks', () => new Set<WeakRef<LockBase>>());
function track(lock: LockBase): void { sharedLocks.add(new WeakRef(lock)); }
onWorkerThreadExit((thread) => {
  for (const ref of sharedLocks) {
    const lock = ref.deref();
    if (lock) lock.releaseIfHeldBy(thread); else sharedLocks.delete(ref);
  }
});

export class Lock extends LockBase {
  constructor() { super('Lock', {}, sharedWords()); }
}

/** A lock its owner (process and thread) may take again; others must wait. */
export class RLock extends LockBase {
  constructor() { super('RLock', {}, sharedWords()); }
}

function semaphoreValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeErr('ERR_INVALID_ARG_TYPE', 'semaphore value must be an integer');
  if (value < 0) throw rangeErr('ERR_OUT_OF_RANGE', 'semaphore initial value must be >= 0');
  return value;
}

export class Semaphore extends LockBase {
  constructor(value = 1) {
    const v = isAdopting() ? 0 : semaphoreValue(value);
    super(new.target === BoundedSemaphore ? 'BoundedSemaphore' : 'Semaphore', { value: v });
  }

  /** The current counter. */
  getValue(): Promise<number> { return this.call('value') as Promise<number>; }
}

/** A Semaphore that refuses to be released above its initial value (ERR_RELEASE_UNLOCKED). */
export class BoundedSemaphore extends Semaphore {}

registerProxyType('Lock', Lock);
registerProxyType('RLock', RLock);
registerProxyType('Semaphore', Semaphore);
registerProxyType('BoundedSemaphore', BoundedSemaphore);

export type AnyLock = Lock | RLock | Semaphore;
export { LockBase };
