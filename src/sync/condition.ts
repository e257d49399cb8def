// Condition over a Lock or RLock of the same hub (an RLock by default, as in CPython).
import { selfPid, selfThread } from '../runtime/pid.js';
import { errors, lockMisuse } from '../errors.js';
import { HubProxy, adopt, isAdopting, registerProxyType, timeoutArg } from '../hub/proxy.js';
import type { ConditionOps } from '../hub/ops.js';
import { Lock, type LockBase, RLock, type Held } from './lock.js';
import type { WaitOptions } from '../hub/proxy.js';
import { waitFor } from './wait-for.js';

interface ConditionSpec {
  lock: string;
  lockType: string;
  lockSpec?: unknown;
}

export class Condition extends HubProxy<ConditionOps> {
  readonly #lock: LockBase;

  constructor(lock?: Lock | RLock) {
    if (!isAdopting() && lock !== undefined && !(lock instanceof Lock || lock instanceof RLock)) {
      throw errors.invalidArgType('Condition(lock) takes a Lock or an RLock');
    }
    // A Value's lock has no object in a hub for the Condition's waiters to queue at.
    if (!isAdopting() && lock?.inValueMemory) {
      throw errors.invalidArgValue(
        "Condition(lock) takes a Lock or an RLock you made (new RLock()), not a Value's or SharedArray's getLock(); pass the same new RLock() to both: Value(tc, init, { lock })",
      );
    }
    const own = isAdopting() ? undefined : (lock ?? new RLock());
    super('Condition', own ? ({ lock: own.objectId, lockType: own instanceof RLock ? 'RLock' : 'Lock', lockSpec: own.objectRef[2] } satisfies ConditionSpec) : {});
    if (own) {
      if (!this.sameHubAs(own)) throw errors.invalidArgValue('the lock of a Condition must be created in the same process (or the same manager) as the Condition', { as: 'Error' });
      this.#lock = own;
    } else {
      const spec = this.spec as ConditionSpec;
      this.#lock = adopt(spec.lockType === 'RLock' ? RLock : Lock, this.hubTarget, [spec.lockType, spec.lock, spec.lockSpec ?? {}]);
    }
  }

  private sameHubAs(lock: LockBase): boolean {
    return this.sameHub(lock);
  }

  /** @internal Wherever this Condition goes its lock goes too (by id): neither is freed early. */
  override markTraveled(): void {
    super.markTraveled();
    this.#lock.markTraveled();
  }

  acquire(options?: WaitOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }
  release(): Promise<void> {
    return this.#lock.release();
  }
  enter(): Promise<Held> {
    return this.#lock.enter();
  }

  /** Releases the lock, waits for notify() or `timeout` ms, takes the lock back. False on timeout. */
  wait(timeout?: number): Promise<boolean> {
    this.#lock.attachNow();
    return this.call('wait', timeoutArg(timeout, 'Condition.wait()'), selfPid, selfThread);
  }

  /** Waits until `predicate()` is truthy (checked with the lock held); returns its last value. */
  waitFor<R>(predicate: () => R | Promise<R>, timeout?: number): Promise<R> {
    return waitFor((t) => this.wait(t), predicate, timeout);
  }

  notify(n = 1): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw errors.invalidArgValue('notify(n): n must be an integer >= 0');
    return this.#notify(n);
  }

  notifyAll(): Promise<void> {
    return this.#notify(null);
  }

  #notify(n: number | null): Promise<void> {
    // A lock in shared memory knows whether anyone waits: a notify nobody hears needs no message.
    const local = this.#lock.idleConditionCheck();
    if (local && local.waiters === 0) return local.held ? Promise.resolve() : Promise.reject(lockMisuse.conditionNotOwner('notify'));
    this.#lock.attachNow();
    return this.call('notify', n, selfPid, selfThread).then(() => undefined);
  }
}

registerProxyType('Condition', Condition);
