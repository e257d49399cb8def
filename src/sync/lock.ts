// Lock and RLock: proxies of a lock in a hub. Waiters are woken in
// arrival order; a timeout is decided by the hub, so a grant and a timeout never cross. A Lock
// or RLock made where the native addon loads also has its state in shared memory: taking it
// uncontended needs no message at all (hub/objects/shared-lock.ts).
import { selfPid, selfThread } from '../runtime/pid.js';
import { lockMisuse } from '../errors.js';
import { HubProxy, isAdopting, registerProxyType, wireTimeoutOf, type WaitOptions } from '../hub/proxy.js';
import { COND_WAITERS, COUNT, NO_THREAD, PID, SHARED_LOCK_BYTES, STATE, THREAD, WAITERS } from '../hub/objects/shared-lock.js';
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
  /** Hub only: acquisitions made through this handle and not released yet (their release needs no answer). */
  #held = 0;
  readonly #reentrant: boolean = this instanceof RLock;
  /** The lock's words in shared memory (Lock and RLock between processes of one machine), or null. */
  #words: Int32Array | null | undefined;

  protected constructor(type: string, spec: object, shared: Segment | null = null) {
    super(type, shared ? { ...spec, shm: shared.name } : spec, shared === null);
    if (shared) {
      this.#words = new Int32Array(shared.sab, 0, 6);
      Atomics.store(this.#words, THREAD, NO_THREAD);
      track(this);
      this.ownSegment(shared.name);
    }
  }

  #shm(): Int32Array | null {
    if (this.#words === undefined) {
      const name = (this.spec as { shm?: unknown }).shm;
      this.#words = typeof name === 'string' ? new Int32Array(attachSegment(name).sab, 0, 6) : null;
      if (this.#words) track(this);
    }
    return this.#words;
  }


  /** Uncontended: one compare-and-swap. Someone waiting at the hub: false (they go first, FIFO). */
  #takeShared(a: Int32Array): boolean {
    // Owner words are plain stores: the compare-and-swap and the releasing store order them
    // for everyone else (each atomic store is a full fence, ~10 ns); see mine().
    if (Atomics.load(a, WAITERS) === 0 && Atomics.compareExchange(a, STATE, 0, 1) === 0) {
      a[PID] = selfPid;
      a[THREAD] = selfThread;
      a[COUNT] = 1;
      return true;
    }
    if (this.#reentrant && mine(a)) { a[COUNT]!++; return true; }
    return false;
  }

  /**
   * Takes the lock now if it is free, without waiting or a promise (Python's
   * `acquire(block=False)`): for hot loops. Needs the lock in shared memory (made in this
   * program's tree where the native addon loads, or in a thread); else ERR_SHARED_MEMORY_UNAVAILABLE.
   */
  tryAcquire(): boolean {
    const a = this.#shm();
    if (!a) throw lockMisuse.notShared('tryAcquire()', 'lock', 'await lock.acquire({ block: false })');
    return this.#takeShared(a);
  }

  /** Releases at once (errors are thrown, not returned as a rejected promise); see tryAcquire(). */
  releaseSync(): void {
    const a = this.#shm();
    if (!a) throw lockMisuse.notShared('releaseSync()', 'lock', 'await lock.release()');
    this.#releaseShared(a);
  }

  /** Acquires; resolves false when `block: false` or `timeout` ran out first. */
  acquire(options?: WaitOptions): Promise<boolean> {
    const timeout = wireTimeoutOf(options, 'acquire()');
    const a = this.#shm();
    if (a) {
      if (this.#takeShared(a)) return Promise.resolve(true);
      if (timeout === 0) return Promise.resolve(false);
    }
    // In shared memory the hub takes the lock for us (the owner words say so); else count it here.
    if (a) return this.call('acquire', timeout, selfPid, selfThread) as Promise<boolean>;
    return (this.call('acquire', timeout) as Promise<boolean>).then((ok) => {
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
    if (Atomics.load(a, STATE) === 0) throw lockMisuse.releaseUnlocked();
    if (this.#reentrant) {
      if (!mine(a)) throw lockMisuse.notOwner();
      const count = a[COUNT]!;
      if (count > 1) { a[COUNT] = count - 1; return; }
    }
    this.#free(a);
  }

  /** Frees the lock; tells the hub when someone waits there (it hands the lock on). */
  #free(a: Int32Array): void {
    a[PID] = 0;
    a[THREAD] = NO_THREAD;
    a[COUNT] = 0;
    // Store-then-check against the hub, which sets the flag then tries to take the lock.
    Atomics.store(a, STATE, 0);
    if (Atomics.load(a, WAITERS) === 1) { try { this.note('released'); } catch { /* hub gone */ } }
  }

  /**
   * @internal For Condition.notify(): in shared memory, whether this thread holds the lock
   * (true/false) and nobody waits at a Condition over it; null when only the hub knows.
   */
  idleConditionCheck(): { held: boolean; waiters: number } | null {
    const a = this.#shm();
    if (!a) return null;
    const held = Atomics.load(a, STATE) === 1 && Atomics.load(a, PID) === selfPid && Atomics.load(a, THREAD) === selfThread;
    return { held, waiters: Atomics.load(a, COND_WAITERS) };
  }

  /** @internal A worker thread of this process ended: if it held this lock, the lock is free again. */
  releaseIfHeldBy(thread: number): void {
    const a = this.#words;
    if (a && Atomics.load(a, STATE) === 1 && Atomics.load(a, PID) === selfPid && Atomics.load(a, THREAD) === thread) this.#free(a);
  }

  /**
   * Whether anyone (this process or another) holds the lock right now (Python's `locked()`;
   * an RLock's since Python 3.14). A snapshot: it may change as soon as it is read.
   */
  locked(): Promise<boolean> {
    const a = this.#shm();
    if (a) return Promise.resolve(Atomics.load(a, STATE) === 1);
    return this.call('locked') as Promise<boolean>;
  }

  /** `await using held = await lock.enter()`: acquired now, released when the block ends. */
  async enter(): Promise<Held> {
    await this.acquire();
    return held(() => this.release());
  }
}

/**
 * Whether this thread holds the lock. A release resets the thread word to NO_THREAD (a fresh
 * lock starts so), so a thread finds its own id there only if it, or the hub for it, wrote it
 * since its last release: it holds the lock. The pid and thread words need no ordering.
 */
function mine(a: Int32Array): boolean {
  return Atomics.load(a, STATE) === 1 && a[PID] === selfPid && a[THREAD] === selfThread;
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

registerProxyType('Lock', Lock);
registerProxyType('RLock', RLock);
export { LockBase };
