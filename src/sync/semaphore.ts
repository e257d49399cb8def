// Semaphore and BoundedSemaphore: proxies of a counter in a hub. Made where the native addon
// loads, the counter lives in shared memory: taking or giving a unit while nobody waits is one
// compare-and-swap and no message, and the hub is only the waiting room
// (hub/objects/shared-semaphore.ts). A BoundedSemaphore guards resources (every unit taken is
// given back, or release() fails): the units a process that died, or a worker thread that
// ended, still held come back (a holder table, shm/semaphore-words.ts). A plain Semaphore may
// count signals (taken for good by a consumer), so, as in CPython, a dead taker's units do not
// come back. The hub-only versions (managers, no addon) follow the same rule.
import { selfPid, selfThread } from '../runtime/pid.js';
import { errors, lockMisuse } from '../errors.js';
import { HubProxy, isAdopting, registerProxyType, wireTimeoutOf, type WaitOptions } from '../hub/proxy.js';
import type { EitherOps, LockOps, SharedSemaphoreOps } from '../hub/ops.js';
import { onWorkerThreadExit } from '../runtime/exit-hooks.js';
import { globalSingleton } from '../util/state.js';
import { nativeAddon } from '../native/addon.js';
import { attachSegment, createSegment, type Segment } from '../shm/segment.js';
import { SEMAPHORE_BYTES, VALUE, WAITERS, giveUnit, noteGiven, noteTaken, releaseThread, takeUnit } from '../shm/semaphore-words.js';
import { held, type Held } from './lock.js';

interface SemaphoreSpec {
  value: number;
  shm?: string;
}

function semaphoreValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw errors.invalidArgType('semaphore value must be an integer');
  if (value < 0) throw errors.outOfRange('semaphore initial value must be >= 0');
  if (value > 0x7fffffff) throw errors.outOfRange('semaphore initial value must be <= 2147483647');
  return value;
}

/** Its object in the hub: a LockObject (hub only), or a SharedSemaphoreObject (`spec.shm`). */
export class Semaphore extends HubProxy<EitherOps<LockOps, SharedSemaphoreOps>> {
  /** The counter and holder table in shared memory, or null (hub only). */
  #words: Int32Array | null | undefined;
  /** Hub only: units acquired through this handle and not released yet (their release needs no answer). */
  #held = 0;

  constructor(value = 1) {
    const v = isAdopting() ? 0 : semaphoreValue(value);
    const type = new.target === BoundedSemaphore ? 'BoundedSemaphore' : 'Semaphore';
    const seg = !isAdopting() && nativeAddon() ? createSegment(SEMAPHORE_BYTES) : null;
    super(type, seg ? { value: v, shm: seg.name } : { value: v }, seg === null);
    if (seg) {
      this.#adopt(seg, v);
      this.ownSegment(seg.name);
    }
  }

  #adopt(seg: Segment, initial: number | null): void {
    this.#words = new Int32Array(seg.sab, 0, SEMAPHORE_BYTES / 4);
    if (initial !== null) Atomics.store(this.#words, VALUE, initial);
    known.add(new WeakRef(this));
  }

  #shm(): Int32Array | null {
    if (this.#words === undefined) {
      const name = (this.spec as SemaphoreSpec).shm;
      this.#words = null;
      if (typeof name === 'string') this.#adopt(attachSegment(name), null);
    }
    return this.#words ?? null;
  }

  /** The bound of a BoundedSemaphore (its initial value), or null. */
  #bound(): number | null {
    return this instanceof BoundedSemaphore ? (this.spec as SemaphoreSpec).value : null;
  }
  /** Units held by a holder that dies come back only for a BoundedSemaphore (see the header). */
  readonly #tracksHolders: boolean = this instanceof BoundedSemaphore;

  #takeShared(a: Int32Array): boolean {
    if (Atomics.load(a, WAITERS) !== 0 || !takeUnit(a)) return false;
    if (this.#tracksHolders) noteTaken(a, selfPid, selfThread);
    return true;
  }

  /** Takes a unit now if one is free, without a promise; needs shared memory (see Lock.tryAcquire). */
  tryAcquire(): boolean {
    const a = this.#shm();
    if (!a) throw lockMisuse.notShared('tryAcquire()', 'semaphore', 'await sem.acquire({ block: false })');
    return this.#takeShared(a);
  }

  /** Acquires a unit; resolves false when `block: false` or `timeout` ran out first. */
  acquire(options?: WaitOptions): Promise<boolean> {
    const timeout = wireTimeoutOf(options, 'acquire()');
    const a = this.#shm();
    if (!a)
      return this.call('acquire', timeout).then((ok) => {
        if (ok) this.#held++;
        return ok;
      });
    if (this.#takeShared(a)) return Promise.resolve(true);
    if (timeout === 0) return Promise.resolve(false);
    // The hub takes the unit for us and records it in the holder table before it answers.
    return this.call('acquire', timeout, selfPid, selfThread);
  }

  /** Gives a unit back (BoundedSemaphore above its initial value: ERR_RELEASE_UNLOCKED). */
  release(): Promise<void> {
    const a = this.#shm();
    if (!a) {
      if (this.#held === 0) return this.call('release').then(() => undefined);
      this.#held--;
      try {
        this.note('release');
      } catch (e) {
        return Promise.reject(e as Error);
      }
      return Promise.resolve();
    }
    try {
      this.#releaseShared(a);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return Promise.resolve();
  }

  /** Gives a unit back at once; errors are thrown. Needs shared memory (see Lock.tryAcquire). */
  releaseSync(): void {
    const a = this.#shm();
    if (!a) throw lockMisuse.notShared('releaseSync()', 'semaphore', 'await sem.release()');
    this.#releaseShared(a);
  }

  #releaseShared(a: Int32Array): void {
    const bound = this.#bound();
    if (!giveUnit(a, bound)) throw errors.releaseUnlocked(`BoundedSemaphore released too many times (its value would exceed ${bound})`);
    if (this.#tracksHolders) noteGiven(a, selfPid, selfThread);
    if (Atomics.load(a, WAITERS) !== 0) this.#tellHub();
  }

  #tellHub(): void {
    try {
      this.note('released');
    } catch {
      /* hub gone */
    }
  }

  /** The current counter. */
  getValue(): Promise<number> {
    const a = this.#shm();
    return a ? Promise.resolve(Atomics.load(a, VALUE)) : this.call('value');
  }

  /** `await using held = await sem.enter()`: a unit now, given back when the block ends. */
  async enter(): Promise<Held> {
    await this.acquire();
    return held(() => this.release());
  }

  /** @internal A worker thread of this process ended: the units it held come back. */
  releaseHeldBy(thread: number): void {
    const a = this.#words;
    if (a && releaseThread(a, selfPid, thread) > 0 && Atomics.load(a, WAITERS) !== 0) this.#tellHub();
  }
}

/** A Semaphore that refuses to be released above its initial value (ERR_RELEASE_UNLOCKED). */
export class BoundedSemaphore extends Semaphore {}

// Semaphores in shared memory this thread knows, so a worker thread that ends holding units gives them back.
const known = globalSingleton('sharedSemaphores', () => new Set<WeakRef<Semaphore>>());
onWorkerThreadExit((thread) => {
  for (const ref of known) {
    const sem = ref.deref();
    if (sem) sem.releaseHeldBy(thread);
    else known.delete(ref);
  }
});

registerProxyType('Semaphore', Semaphore);
registerProxyType('BoundedSemaphore', BoundedSemaphore);
