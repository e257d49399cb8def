// Lock and RLock on Redis. The holder is a lease: the sorted set `:leases` has one member (the
// holder's id: host:pid:random of its link) scored by its expiry, pushed ahead by the holder's
// LeaseKeeper while its process lives; `:n` counts an RLock's re-entries. Waiters queue in the
// room `:lock` and a release wakes the first live one; a waiter also wakes by itself when the
// holder's lease would lapse, so a dead holder's lock passes on after stalledTimeout.
// As locally: a Lock may be released by anyone (ERR_RELEASE_UNLOCKED when free), an RLock only
// by its owner (ERR_NOT_OWNER).
import { lockMisuse } from '../../errors.js';
import { wireTimeoutOf, type WaitOptions } from '../../hub/proxy.js';
import { held, type Held } from '../../sync/lock.js';
import { ClusterObject, noSharedMemory } from './base.js';
import { evalScript } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { script } from './lua.js';
import { waitTurn, wakeTtl } from './room.js';

// Both scripts first end a lapsed lease. KEYS: leases, count. ARGV: holder, reentrant (1/0), ttl, room, waiter ('' = none).
export const LOCK_REAP = `
local now = now_ms()
if redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. now) > 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
`;

const ACQUIRE = script(
  LOCK_REAP +
    `
local ttl = tonumber(ARGV[3])
local owner = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local function taken()
  if ARGV[5] ~= '' then room_leave(ARGV[4], ARGV[5]) end
  return {1}
end
if #owner == 0 then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('SET', KEYS[2], 1)
  return taken()
end
if ARGV[2] == '1' and owner[1] == ARGV[1] then
  redis.call('INCR', KEYS[2])
  return taken()
end
if ARGV[5] ~= '' then room_join(ARGV[4], ARGV[5], now, ttl) end
return {0, tonumber(owner[2]) - now}`,
);

// ARGV: holder, reentrant, wake ttl, room. Replies FREED, HELD (an RLock still held), UNLOCKED, NOTOWNER.
const RELEASE = script(
  LOCK_REAP +
    `
local owner = redis.call('ZRANGE', KEYS[1], 0, 0)
if #owner == 0 then return 'UNLOCKED' end
if ARGV[2] == '1' then
  if owner[1] ~= ARGV[1] then return 'NOTOWNER' end
  if redis.call('DECR', KEYS[2]) > 0 then return 'HELD' end
end
redis.call('DEL', KEYS[1], KEYS[2])
room_wake(ARGV[4], 1, 'free', now, tonumber(ARGV[3]))
return 'FREED'`,
);

// ARGV: holder. Replies the holder's count (0: not held by it) and whether anyone holds it.
const OWNED = script(
  LOCK_REAP +
    `
local owner = redis.call('ZRANGE', KEYS[1], 0, 0)
if #owner == 0 then return {0, 0} end
if owner[1] ~= ARGV[1] then return {0, 1} end
return {tonumber(redis.call('GET', KEYS[2]) or '1'), 1}`,
);

export abstract class ClusterLockBase extends ClusterObject {
  protected abstract readonly reentrant: boolean;

  /** @internal */ get leasesKey(): string {
    return `${this.base}:leases`;
  }
  /** @internal */ get countKey(): string {
    return `${this.base}:n`;
  }
  /** @internal */ get room(): string {
    return `${this.base}:lock`;
  }

  /** Acquires; resolves false when `block: false` or `timeout` ran out first. */
  acquire(options?: WaitOptions): Promise<boolean> {
    return this.#acquire(wireTimeoutOf(options, 'acquire()'));
  }

  async #acquire(timeout: number | null): Promise<boolean> {
    const got = await waitTurn(this.link, this.room, timeout, async (waiter) => {
      const r = (await evalScript(
        this.link,
        ACQUIRE,
        [this.leasesKey, this.countKey],
        [this.link.holderId, this.reentrant ? '1' : '0', this.link.stalledTimeout, this.room, waiter ?? ''],
      )) as number[];
      return r[0] === 1 ? { ok: true as const, value: true } : { ok: false as const, retryIn: Number(r[1]) };
    });
    if (got) this.link.leases.hold(this.leasesKey, this.link.holderId);
    return got !== null;
  }

  /** Releases (ERR_RELEASE_UNLOCKED when not held; an RLock held by another: ERR_NOT_OWNER). */
  async release(): Promise<void> {
    const r = await evalScript(this.link, RELEASE, [this.leasesKey, this.countKey], [this.link.holderId, this.reentrant ? '1' : '0', wakeTtl(this.link), this.room]);
    if (r === 'UNLOCKED') throw lockMisuse.releaseUnlocked();
    if (r === 'NOTOWNER') throw lockMisuse.notOwner();
    if (r === 'FREED') this.link.leases.drop(this.leasesKey, this.link.holderId);
  }

  /** Locally a lock in shared memory can be taken without a promise; one in Redis cannot. */
  tryAcquire(): never {
    throw noSharedMemory('tryAcquire()', 'await x.acquire({ block: false })');
  }
  releaseSync(): never {
    throw noSharedMemory('releaseSync()', 'await x.release()');
  }

  /** `await using held = await lock.enter()`: acquired now, released when the block ends. */
  async enter(): Promise<Held> {
    await this.acquire();
    return held(() => this.release());
  }

  /** @internal How often this process holds the lock now (0: not), and whether anyone does. */
  async ownership(): Promise<{ count: number; locked: boolean }> {
    const r = (await evalScript(this.link, OWNED, [this.leasesKey, this.countKey], [this.link.holderId])) as number[];
    return { count: Number(r[0]), locked: Number(r[1]) === 1 };
  }
}

export class ClusterLock extends ClusterLockBase {
  protected readonly reentrant = false;
  protected get kind(): string {
    return 'Lock';
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, id?: string) {
    super(link, id);
  }
}

/** A lock its owner (this process: its link's holder id) may take again; others must wait. */
export class ClusterRLock extends ClusterLockBase {
  protected readonly reentrant = true;
  protected get kind(): string {
    return 'RLock';
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, id?: string) {
    super(link, id);
  }
}
