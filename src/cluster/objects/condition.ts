// Condition on Redis, over a cluster Lock or RLock (an RLock by default, as in CPython).
// wait() checks that this process holds the lock, joins the room `:cond` and frees the lock in
// ONE script (so a notify() after it cannot be missed), sleeps until notified or timed out,
// then takes the lock back (with an RLock's depth). notify(n) wakes the first n live waiters.
import { errors, lockMisuse } from '../../errors.js';
import { timeoutArg, type WaitOptions } from '../../hub/proxy.js';
import type { Held } from '../../sync/lock.js';
import { ClusterObject } from './base.js';
import { evalScript } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { ClusterLock, ClusterRLock, LOCK_REAP, type ClusterLockBase } from './lock.js';
import { script } from './lua.js';
import { listen, newWaiterId, wakeTtl } from './room.js';
import { waitFor } from '../../sync/wait-for.js';

// KEYS: lock leases, lock count. ARGV: holder, lock room, cond room, waiter, ttl, wake ttl.
// Replies the lock depth it gave up, or -1 when this process does not hold the lock.
const WAIT = script(
  LOCK_REAP +
    `
local owner = redis.call('ZRANGE', KEYS[1], 0, 0)
if #owner == 0 or owner[1] ~= ARGV[1] then return -1 end
local depth = tonumber(redis.call('GET', KEYS[2]) or '1')
room_join(ARGV[3], ARGV[4], now, tonumber(ARGV[5]))
redis.call('DEL', KEYS[1], KEYS[2])
room_wake(ARGV[2], 1, 'free', now, tonumber(ARGV[6]))
return depth`,
);

// KEYS: lock leases, lock count. ARGV: holder, cond room, n (-1: all), wake ttl.
const NOTIFY = script(
  LOCK_REAP +
    `
local owner = redis.call('ZRANGE', KEYS[1], 0, 0)
if #owner == 0 or owner[1] ~= ARGV[1] then return -1 end
return room_wake(ARGV[2], tonumber(ARGV[3]), 'notify', now, tonumber(ARGV[4]))`,
);

// KEYS: lock leases, lock count. ARGV: holder, depth. Restores an RLock's depth after wait().
const RESTORE = script(
  LOCK_REAP +
    `
local owner = redis.call('ZRANGE', KEYS[1], 0, 0)
if #owner > 0 and owner[1] == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2]) end
return 1`,
);

export class ClusterCondition extends ClusterObject {
  readonly #lock: ClusterLockBase;
  protected get kind(): string {
    return 'Condition';
  }
  protected override params(): Record<string, unknown> {
    return { lock: this.#lock.id, lockKind: this.#lock instanceof ClusterRLock ? 'RLock' : 'Lock' };
  }

  /** @internal */
  constructor(link: ClusterLinkImpl, lock?: ClusterLockBase, id?: string) {
    if (lock !== undefined && !(lock instanceof ClusterLock || lock instanceof ClusterRLock)) {
      throw errors.invalidArgType('Condition(lock) takes a Lock or an RLock of the same cluster context');
    }
    super(link, id);
    this.#lock = lock ?? new ClusterRLock(link);
  }

  /** The lock this condition uses. */
  get lock(): ClusterLockBase {
    return this.#lock;
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

  private get room(): string {
    return `${this.base}:cond`;
  }
  private get lockKeys(): string[] {
    return [this.#lock.leasesKey, this.#lock.countKey];
  }

  /** Releases the lock, waits for notify() or `timeout` ms, takes the lock back. False on timeout. */
  wait(timeout?: number): Promise<boolean> {
    return this.#wait(timeoutArg(timeout, 'Condition.wait()'));
  }

  async #wait(limit: number | null): Promise<boolean> {
    const waiter = newWaiterId();
    const depth = Number(await evalScript(this.link, WAIT, this.lockKeys, [this.link.holderId, this.#lock.room, this.room, waiter, this.link.stalledTimeout, wakeTtl(this.link)]));
    if (depth < 0) throw lockMisuse.conditionNotOwner('wait');
    this.link.leases.drop(this.#lock.leasesKey, this.link.holderId);
    // Redis gone: this rejects ERR_CLUSTER_UNAVAILABLE at once, without waiting another
    // connectTimeout to take the lock back. Otherwise, as in CPython, the lock is held again
    // however the wait ended.
    const notified = (await listen(this.link, this.room, waiter, limit)) !== null;
    await this.#lock.acquire();
    if (depth > 1) await evalScript(this.link, RESTORE, this.lockKeys, [this.link.holderId, depth]);
    return notified;
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
    return this.#notify(-1);
  }

  async #notify(n: number): Promise<void> {
    const r = Number(await evalScript(this.link, NOTIFY, this.lockKeys, [this.link.holderId, this.room, n, wakeTtl(this.link)]));
    if (r < 0) throw lockMisuse.conditionNotOwner('notify');
  }

  override async free(): Promise<void> {
    await super.free();
    await this.#lock.free();
  }
}
