// Lock and RLock: proxies of a lock in a hub. Waiters are woken in arrival order; a timeout is
// decided by the hub, so a grant and a timeout never cross. A Lock or RLock made where the
// native addon loads also has its state in shared memory (shm/lock-words.ts): taking it
// uncontended needs no message at all (hub/objects/shared-lock.ts). The lock of a Value or
// SharedArray is an RLock too, over the same words at the start of the value's memory; it
// never involves the hub: its waiters sleep on the state word (not FIFO, as CPython's).
import { selfPid, selfThread } from '../runtime/pid.js';
import { registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { lockMisuse } from '../errors.js';
import { HubProxy, isAdopting, registerProxyType, wireTimeoutOf, type WaitOptions } from '../hub/proxy.js';
import type { EitherOps, LockOps, SharedLockOps } from '../hub/ops.js';
import { onWorkerThreadExit } from '../runtime/exit-hooks.js';
import { globalSingleton } from '../util/state.js';
import { checkCrossing } from '../shm/crossing.js';
import { nativeAddon } from '../native/addon.js';
import { attachSegment, createSegment, type Segment } from '../shm/segment.js';
import { LockWord, LOCK_BYTES, Nobody, heldBy, heldHere, initLockWords, lockWords, sleepForLock, wakeOne, type LockPlace } from '../shm/lock-words.js';

/** What `enter()` returns: releases the lock at the end of an `await using` block. */
export interface Held extends AsyncDisposable {
  release(): Promise<void>;
}

/** A Held whose release runs `release` once, however often it is called. */
export function held(release: () => Promise<void>): Held {
  let done = false;
  const once = () => {
    if (done) return Promise.resolve();
    done = true;
    return release();
  };
  return { release: once, [Symbol.asyncDispose]: once };
}

/** A lock placed in a value's memory: `lockInValueMemory()` passes it to the constructor. */
let placing: LockPlace | null = null;

type PlacedState = [name: string, byteOffset: number, posix: boolean];

/** Its object in the hub: a LockObject (hub only), or a SharedLockObject (`spec.shm`). */
abstract class LockBase extends HubProxy<EitherOps<LockOps, SharedLockOps>> {
  /** Hub only: acquisitions made through this handle and not released yet (their release needs no answer). */
  #held = 0;
  readonly #reentrant: boolean = this instanceof RLock;
  /** The lock's words in shared memory (Lock and RLock between processes of one machine), or null. */
  #words: Int32Array | null | undefined;
  /** A Value's or SharedArray's lock: where its words are; its waiters sleep there, not at a hub. */
  readonly #place: LockPlace | null = placing;
  /** Its waiters queue at the hub (FIFO); a Value's lock's waiters sleep on its state word instead. */
  readonly #queue: boolean = placing === null;

  protected constructor(type: string, spec: object, shared: Segment | null = null) {
    super(type, shared ? { ...spec, shm: shared.name } : spec, shared === null && placing === null);
    if (this.#place) {
      this.#words = lockWords(this.#place.sab, this.#place.byteOffset);
      track(this);
    } else if (shared) {
      this.#words = lockWords(shared.sab, 0);
      initLockWords(this.#words);
      track(this);
      this.ownSegment(shared.name);
    }
  }

  #shm(): Int32Array | null {
    if (this.#words === undefined) {
      const name = (this.spec as { shm?: unknown }).shm;
      this.#words = typeof name === 'string' ? lockWords(attachSegment(name).sab, 0) : null;
      if (this.#words) track(this);
    }
    return this.#words;
  }

  /** @internal Whether this is a Value's or SharedArray's lock (no hub object: no Condition over it). */
  get inValueMemory(): boolean {
    return this.#place !== null;
  }

  /**
   * Takes the lock now if it is free, without waiting or a promise (Python's
   * `acquire(block=False)`): for hot loops. Needs the lock in shared memory (made in this
   * program's tree where the native addon loads, in a thread, or a Value's); else ERR_SHARED_MEMORY_UNAVAILABLE.
   */
  tryAcquire(): boolean {
    const a = this.#words ?? this.#shm();
    if (!a) throw lockMisuse.notShared('tryAcquire()', 'lock', 'await lock.acquire({ block: false })');
    // One compare-and-swap, then the owner words (plain stores: the compare-and-swap and the
    // releasing exchange order them for everyone else). While someone queues at the hub: false,
    // they go first (FIFO); a Value's lock has no such line and never reads the flag. Written
    // out here rather than calling into shm/lock-words.ts: this pair is the hot path (fig. 12).
    if ((this.#queue && Atomics.load(a, LockWord.WAITERS) !== 0) || Atomics.compareExchange(a, LockWord.STATE, 0, 1) !== 0) {
      if (this.#reentrant && a[LockWord.PID] === selfPid && a[LockWord.THREAD] === selfThread) {
        a[LockWord.COUNT]!++;
        return true;
      }
      return false;
    }
    a[LockWord.PID] = selfPid;
    a[LockWord.THREAD] = selfThread;
    a[LockWord.COUNT] = 1;
    return true;
  }

  /** Releases at once (errors are thrown, not returned as a rejected promise); see tryAcquire(). */
  releaseSync(): void {
    const a = this.#words ?? this.#shm();
    if (!a) throw lockMisuse.notShared('releaseSync()', 'lock', 'await lock.release()');
    if (Atomics.load(a, LockWord.STATE) === 0) throw lockMisuse.releaseUnlocked();
    if (this.#reentrant) {
      // Its own ids in the owner words: it holds the lock (see heldHere() in shm/lock-words.ts).
      if (a[LockWord.PID] !== selfPid || a[LockWord.THREAD] !== selfThread) throw lockMisuse.notOwner();
      // Only the owner touches the count.
      const count = a[LockWord.COUNT]!;
      if (count > 1) {
        a[LockWord.COUNT] = count - 1;
        return;
      }
    }
    this.#free(a);
  }

  /** Acquires; resolves false when `block: false` or `timeout` ran out first. */
  acquire(options?: WaitOptions): Promise<boolean> {
    const timeout = wireTimeoutOf(options, 'acquire()');
    const a = this.#words ?? this.#shm();
    if (a) {
      if (this.tryAcquire()) return Promise.resolve(true);
      if (timeout === 0) return Promise.resolve(false);
      if (this.#place) return sleepForLock(a, this.#place, timeout === null ? Infinity : performance.now() + timeout);
      // The hub takes the lock for us (the owner words say so).
      return this.call('acquire', timeout, selfPid, selfThread);
    }
    return this.call('acquire', timeout).then((ok) => {
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
    const a = this.#words ?? this.#shm();
    if (a) {
      try {
        this.releaseSync();
      } catch (e) {
        return Promise.reject(e as Error);
      }
      return Promise.resolve();
    }
    if (this.#held > 0) {
      this.#held--;
      try {
        this.note('release');
      } catch (e) {
        return Promise.reject(e as Error);
      }
      return Promise.resolve();
    }
    return this.call('release').then(() => undefined);
  }

  /**
   * Frees the lock (as freeWords() in shm/lock-words.ts, written out for the hot path): wakes a
   * sleeper on the state word, or tells the hub when someone waits there (it hands the lock
   * on; store-then-check against the hub, which raises its flag then tries to take the lock).
   */
  #free(a: Int32Array): void {
    a[LockWord.PID] = 0;
    a[LockWord.THREAD] = Nobody.THREAD;
    a[LockWord.COUNT] = 0;
    if (Atomics.exchange(a, LockWord.STATE, 0) === 2) wakeOne(a, this.#place!);
    else if (this.#queue && Atomics.load(a, LockWord.WAITERS) === 1) {
      try {
        this.note('released');
      } catch {
        /* hub gone */
      }
    }
  }

  /**
   * @internal For Condition.notify(): in shared memory, whether this thread holds the lock
   * (true/false) and nobody waits at a Condition over it; null when only the hub knows.
   */
  idleConditionCheck(): { held: boolean; waiters: number } | null {
    const a = this.#shm();
    if (!a) return null;
    return { held: heldHere(a), waiters: Atomics.load(a, LockWord.COND_WAITERS) };
  }

  /** @internal A worker thread of this process ended: if it held this lock, the lock is free again. */
  releaseIfHeldBy(thread: number): void {
    const a = this.#words;
    if (a && heldBy(a, selfPid, thread)) this.#free(a);
  }

  /**
   * Whether anyone (this process or another) holds the lock right now (Python's `locked()`;
   * an RLock's since Python 3.14). A snapshot: it may change as soon as it is read.
   */
  locked(): Promise<boolean> {
    const a = this.#shm();
    if (a) return Promise.resolve(Atomics.load(a, LockWord.STATE) !== 0);
    return this.call('locked');
  }

  /** `await using held = await lock.enter()`: acquired now, released when the block ends. */
  async enter(): Promise<Held> {
    await this.acquire();
    return held(() => this.release());
  }

  /** A Value's lock travels as where its words are; any other as a reference to its hub object. */
  override [kReduce](): { type: string; state: unknown } {
    const place = this.#place;
    if (!place) return super[kReduce]();
    if (!place.posix) checkCrossing("a Value's or SharedArray's lock");
    const state: PlacedState = [place.name, place.byteOffset, place.posix];
    return { type: 'multiproc.LockWords', state };
  }
}

/** Shared memory for a new Lock or RLock when processes of this machine can map it, else null (hub only). */
function sharedWords(): Segment | null {
  return !isAdopting() && placing === null && nativeAddon() ? createSegment(LOCK_BYTES) : null;
}

// Locks in shared memory this thread knows, so a worker thread that ends holding one is undone
// (terminate() gives it no chance to release; a process that dies is noticed by its pid).
const sharedLocks = globalSingleton('sharedHubLocks', () => new Set<WeakRef<LockBase>>());
function track(lock: LockBase): void {
  sharedLocks.add(new WeakRef(lock));
}
onWorkerThreadExit((thread) => {
  for (const ref of sharedLocks) {
    const lock = ref.deref();
    if (lock) lock.releaseIfHeldBy(thread);
    else sharedLocks.delete(ref);
  }
});

export class Lock extends LockBase {
  constructor() {
    super('Lock', {}, sharedWords());
  }
}

/** A lock its owner (process and thread) may take again; others must wait. */
export class RLock extends LockBase {
  constructor() {
    super('RLock', {}, sharedWords());
  }
}

/**
 * @internal The RLock whose words are at `byteOffset` of `seg` (a Value's or SharedArray's);
 * `fresh`: a new lock, not one attached by name.
 */
export function lockInValueMemory(seg: Segment, byteOffset: number, posix: boolean, fresh: boolean): RLock {
  if (fresh) initLockWords(lockWords(seg.sab, byteOffset));
  placing = { name: seg.name, sab: seg.sab, byteOffset, posix };
  try {
    return new RLock();
  } finally {
    placing = null;
  }
}

registerProxyType('Lock', Lock);
registerProxyType('RLock', RLock);
registerSharedType('multiproc.LockWords', (raw) => {
  const [name, offset, posix] = raw as PlacedState;
  return lockInValueMemory(attachSegment(String(name)), Number(offset), Boolean(posix), false);
});
export { LockBase };
