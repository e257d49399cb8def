// Lock, RLock, Semaphore, BoundedSemaphore: proxies of a lock in a hub. Waiters are woken in
// arrival order; a timeout is decided by the hub, so a grant and a timeout never cross.
import { rangeErr, typeErr } from '../errors.js';
import { HubProxy, isAdopting, registerProxyType, wireTimeoutOf, type WaitOptions } from '../hub/proxy.js';

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

  /** Acquires; resolves false when `block: false` or `timeout` ran out first. */
  acquire(options?: WaitOptions): Promise<boolean> {
    return (this.call('acquire', wireTimeoutOf(options, 'acquire()')) as Promise<boolean>).then((ok) => {
      if (ok) this.#held++;
      return ok;
    });
  }

  /**
   * Releases. Releasing what this handle acquired cannot fail, so it needs no answer: it goes
   * out ahead of anything this process sends the hub next. Otherwise the hub checks it
   * (ERR_RELEASE_UNLOCKED, ERR_NOT_OWNER).
   */
  release(): Promise<void> {
    if (this.#held > 0) {
      this.#held--;
      try { this.note('release'); } catch (e) { return Promise.reject(e as Error); }
      return Promise.resolve();
    }
    return this.call('release').then(() => undefined);
  }

  /** `await using held = await lock.enter()`: acquired now, released when the block ends. */
  async enter(): Promise<Held> {
    await this.acquire();
    return held(() => this.release());
  }
}

export class Lock extends LockBase {
  constructor() { super('Lock', {}); }
}

/** A lock its owner (process and thread) may take again; others must wait. */
export class RLock extends LockBase {
  constructor() { super('RLock', {}); }
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
