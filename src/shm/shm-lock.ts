// A lock in shared memory (the lock of a Value or SharedArray): taking it uncontended is one
// atomic compare-and-swap, no message. Contended waiters sleep on a futex (across processes,
// through the addon) or on Atomics.waitAsync (threads sharing a plain SharedArrayBuffer).
// Four int32 words: state (0 free, 1 held, 2 held and maybe waited on), owner pid, owner
// thread, recursion count. A holder that died (its pid is gone) is noticed by waiters, who
// take the lock over: the next acquirer gets it, as with the hub's locks (data it guarded
// may be half-updated). Not FIFO: whoever wins the compare-and-swap goes first.
import { registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { lockMisuse } from '../errors.js';
import { processAlive, selfPid, selfThread } from '../runtime/pid.js';
import { wireTimeoutOf, type WaitOptions } from '../hub/proxy.js';
import { held, type Held } from '../sync/lock.js';
import { futexWaitAsync, nativeAddon } from './native.js';
import { attachSegment, type Segment } from './segment.js';
import { checkCrossing } from './crossing.js';
import { globalSingleton } from '../runtime/state.js';
import { onWorkerThreadExit } from '../runtime/exit-hooks.js';

export const LOCK_BYTES = 16;
/** The pid word while a waiter takes over from a dead holder. */
const CLAIMING = -2;
/** The thread word of a free lock (0 is a main thread's id). */
const NO_THREAD = -1;
/** How often a waiter looks whether the holder is still alive. */
const CHECK_MS = 200;

type LockState = [name: string, offset: number, recursive: boolean, posix: boolean];

export class ShmLock {
  readonly #seg: Segment;
  readonly #i32: Int32Array;
  readonly #base: number;
  readonly #recursive: boolean;
  readonly #posix: boolean;

  /** @internal */
  constructor(seg: Segment, byteOffset: number, recursive: boolean, posix: boolean) {
    knownLocks.add(new WeakRef(this));
    this.#seg = seg;
    this.#i32 = new Int32Array(seg.sab, byteOffset, 4);
    this.#base = byteOffset;
    this.#recursive = recursive;
    this.#posix = posix;
  }

  // Ownership is the pair (pid, thread), written with plain stores after the compare-and-swap
  // (each atomic store is a full fence, ~10 ns). A release resets the thread word to NO_THREAD
  // (as a fresh lock starts), so the only way a thread reads its own id there is that it, or
  // the hub for it, wrote it since its last release: it holds the lock. No ordering between
  // the two words is needed (a main thread's id is 0, which a fresh word would otherwise hold).
  #mine(): boolean { return this.#i32[1] === selfPid && this.#i32[2] === selfThread; }

  #own(): void {
    const a = this.#i32;
    a[1] = selfPid;
    a[2] = selfThread;
    a[3] = 1;
  }

  /** @internal A new lock (not one attached by name): its thread word says nobody. */
  initialize(): this { Atomics.store(this.#i32, 2, NO_THREAD); return this; }

  /** Takes the lock now if it is free, without waiting or a promise (Python's `acquire(block=False)`). */
  tryAcquire(): boolean {
    const a = this.#i32;
    if (Atomics.compareExchange(a, 0, 0, 1) === 0) { this.#own(); return true; }
    if (this.#recursive && this.#mine()) { a[3]!++; return true; }
    return false;
  }

  /** Acquires; resolves false when `block: false` or `timeout` ran out first. */
  acquire(options?: WaitOptions): Promise<boolean> {
    const timeout = wireTimeoutOf(options, 'acquire()');
    if (this.tryAcquire()) return Promise.resolve(true);
    if (timeout === 0) return Promise.resolve(false);
    return this.#contended(timeout === null ? Infinity : performance.now() + timeout);
  }

  async #contended(deadline: number): Promise<boolean> {
    const a = this.#i32;
    for (;;) {
      if (Atomics.exchange(a, 0, 2) === 0) { this.#own(); return true; }
      const owner = Atomics.load(a, 1);
      // The holder died: exactly one waiter wins the owner word and takes the lock over.
      // (Claimed through a pid no process has: one waiter wins; the dead owner's thread id
      // cannot make a thread of this process think it holds the lock meanwhile.)
      if (!processAlive(owner) && Atomics.compareExchange(a, 1, owner, CLAIMING) === owner) {
        Atomics.store(a, 2, selfThread);
        a[3] = 1;
        Atomics.store(a, 1, selfPid);
        return true;
      }
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.#sleep(Math.min(left, CHECK_MS));
    }
  }

  #sleep(ms: number): Promise<unknown> {
    const addon = this.#posix ? nativeAddon() : null;
    if (addon) return futexWaitAsync(addon, this.#seg.sab, this.#base, 2, ms);
    const r = Atomics.waitAsync(this.#i32, 0, 2, ms);
    return r.async ? r.value : Promise.resolve(r.value);
  }

  /** Releases (ERR_RELEASE_UNLOCKED when not held; an RLock held by another: ERR_NOT_OWNER). */
  release(): Promise<void> {
    try { this.releaseSync(); } catch (e) { return Promise.reject(e as Error); }
    return Promise.resolve();
  }

  /** Releases at once; errors are thrown rather than returned as a rejected promise. */
  releaseSync(): void {
    const a = this.#i32;
    if (Atomics.load(a, 0) === 0) throw lockMisuse.releaseUnlocked();
    if (this.#recursive) {
      if (!this.#mine()) throw lockMisuse.notOwner();
      // Only the owner touches the count.
      const count = a[3]!;
      if (count > 1) { a[3] = count - 1; return; }
    }
    a[1] = 0;
    a[2] = NO_THREAD;
    a[3] = 0;
    if (Atomics.exchange(a, 0, 0) === 2) this.#wake();
  }

  #wake(): void {
    const addon = this.#posix ? nativeAddon() : null;
    if (addon) addon.wake(this.#seg.sab, this.#base, 1);
    else Atomics.notify(this.#i32, 0, 1);
  }

  /** Whether anyone holds the lock right now (Python's `locked()`); a snapshot. */
  locked(): Promise<boolean> { return Promise.resolve(Atomics.load(this.#i32, 0) !== 0); }

  /** `await using held = await lock.enter()`: acquired now, released when the block ends. */
  async enter(): Promise<Held> {
    await this.acquire();
    return held(() => this.release());
  }

  /** @internal A thread of this process ended: if it held this lock, the lock is free again. */
  releaseIfHeldBy(thread: number): void {
    const a = this.#i32;
    if (Atomics.load(a, 0) === 0 || Atomics.load(a, 1) !== selfPid || Atomics.load(a, 2) !== thread) return;
    Atomics.store(a, 1, 0);
    Atomics.store(a, 2, NO_THREAD);
    Atomics.store(a, 3, 0);
    if (Atomics.exchange(a, 0, 0) === 2) this.#wake();
  }

  [kReduce]() {
    if (!this.#posix) checkCrossing('a shared-memory lock');
    const state: LockState = [this.#seg.name, this.#base, this.#recursive, this.#posix];
    return { type: 'multiproc.ShmLock', state };
  }
}

// A worker thread that ends holding a lock (terminate() gives it no chance to release) cannot
// be told apart by pid, so the thread that started it frees the locks it held. Processes that
// die are noticed by the waiters themselves (the owner pid is gone).
const knownLocks = globalSingleton('shmLocks', () => new Set<WeakRef<ShmLock>>());
onWorkerThreadExit((thread) => {
  for (const ref of knownLocks) {
    const lock = ref.deref();
    if (lock) lock.releaseIfHeldBy(thread); else knownLocks.delete(ref);
  }
});

registerSharedType('multiproc.ShmLock', (raw) => {
  const [name, offset, recursive, posix] = raw as LockState;
  return new ShmLock(attachSegment(String(name)), Number(offset), Boolean(recursive), Boolean(posix));
});
