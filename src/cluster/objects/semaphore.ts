// Semaphore and BoundedSemaphore on Redis. The counter is `initial + :d` (`:d` exists only while
// it is not 0, so an idle semaphore has no keys). Every unit taken is a lease, a member of
// `:leases` renewed by the taker's process while it lives; a lease that lapses (its process
// died) gives its unit back. release() adds a unit and ends one lease: one of this process's
// if it holds any, else the oldest (so acquire-here, release-there keeps the count right).
// Waiters queue in the room `:sem`; a release wakes the first live one.
import { errors } from '../../errors.js';
import { wireTimeoutOf, type WaitOptions } from '../../hub/proxy.js';
import { held, type Held } from '../../sync/lock.js';
import { ClusterObject, noSharedMemory } from './base.js';
import { evalScript } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { script } from './lua.js';
import { waitTurn, wakeTtl } from './room.js';

export function checkSemaphoreValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw errors.invalidArgType('semaphore value must be an integer');
  if (value < 0) throw errors.outOfRange('semaphore initial value must be >= 0');
  if (value > 0x7fffffff) throw errors.outOfRange('semaphore initial value must be <= 2147483647');
  return value;
}

// KEYS: leases, delta. ARGV[1] initial, ARGV[2] room, ARGV[3] wake ttl. Lapsed leases give
// their units back (and wake as many waiters); `value` is the counter after that.
const REAP = `
local now = now_ms()
local initial = tonumber(ARGV[1])
local function add(n)
  local d = redis.call('INCRBY', KEYS[2], n)
  if d == 0 then redis.call('DEL', KEYS[2]) end
  return initial + d
end
local lapsed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
if lapsed > 0 then
  add(lapsed)
  room_wake(ARGV[2], lapsed, 'free', now, tonumber(ARGV[3]))
end
local value = initial + tonumber(redis.call('GET', KEYS[2]) or '0')
`;

// ARGV[4] token, ARGV[5] ttl, ARGV[6] waiter ('' = none).
const ACQUIRE = script(
  REAP +
    `
if value > 0 then
  value = add(-1)
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[5]), ARGV[4])
  if ARGV[6] ~= '' then
    local m = room_leave(ARGV[2], ARGV[6])
    if m and value > 0 then room_wake(ARGV[2], 1, m, now, tonumber(ARGV[3])) end
  end
  return {1}
end
if ARGV[6] ~= '' then room_join(ARGV[2], ARGV[6], now, tonumber(ARGV[5])) end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return {0, -1} end
return {0, tonumber(first[2]) - now}`,
);

// ARGV[4] bounded (1/0), ARGV[5..] this process's tokens. Replies the lease ended ('' none) or TOOMANY.
const RELEASE = script(
  REAP +
    `
if ARGV[4] == '1' and value >= initial then return 'TOOMANY' end
local ended = ''
for i = 5, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then ended = ARGV[i] break end
end
if ended == '' then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #oldest > 0 then redis.call('ZREM', KEYS[1], oldest[1]) ended = oldest[1] end
end
add(1)
room_wake(ARGV[2], 1, 'free', now, tonumber(ARGV[3]))
return ended`,
);

const VALUE = script(REAP + `return value`);

let tokenSeq = 0;

export class ClusterSemaphore extends ClusterObject {
  /** The initial value (and a BoundedSemaphore's bound). */
  readonly initial: number;
  protected get kind(): string {
    return 'Semaphore';
  }
  protected get bounded(): boolean {
    return false;
  }
  protected override params(): Record<string, unknown> {
    return { value: this.initial };
  }

  /** @internal */
  constructor(link: ClusterLinkImpl, value: number, id?: string) {
    super(link, id);
    this.initial = checkSemaphoreValue(value);
  }

  private get leasesKey(): string {
    return `${this.base}:leases`;
  }
  private get keys(): string[] {
    return [this.leasesKey, `${this.base}:d`];
  }
  private get room(): string {
    return `${this.base}:sem`;
  }
  private common(): (string | number)[] {
    return [this.initial, this.room, wakeTtl(this.link)];
  }

  /** Takes a unit; resolves false when `block: false` or `timeout` ran out first. */
  acquire(options?: WaitOptions): Promise<boolean> {
    return this.#acquire(wireTimeoutOf(options, 'acquire()'));
  }

  async #acquire(timeout: number | null): Promise<boolean> {
    const token = `${this.link.holderId}#${++tokenSeq}`;
    const got = await waitTurn(this.link, this.room, timeout, async (waiter) => {
      const r = (await evalScript(this.link, ACQUIRE, this.keys, [...this.common(), token, this.link.stalledTimeout, waiter ?? ''])) as number[];
      return r[0] === 1 ? { ok: true as const, value: true } : { ok: false as const, retryIn: Number(r[1]) };
    });
    if (got) this.link.leases.hold(this.leasesKey, token);
    return got !== null;
  }

  /** Gives a unit back (BoundedSemaphore above its initial value: ERR_RELEASE_UNLOCKED). */
  async release(): Promise<void> {
    const mine = this.link.leases.tokensIn(this.leasesKey);
    const r = await evalScript(this.link, RELEASE, this.keys, [...this.common(), this.bounded ? '1' : '0', ...mine]);
    if (r === 'TOOMANY') throw errors.releaseUnlocked(`BoundedSemaphore released too many times (its value would exceed ${this.initial})`);
    if (typeof r === 'string' && r !== '') this.link.leases.drop(this.leasesKey, r);
  }

  /** The current counter. */
  async getValue(): Promise<number> {
    return Number(await evalScript(this.link, VALUE, this.keys, this.common()));
  }

  /** Locally a semaphore in shared memory can be taken without a promise; one in Redis cannot. */
  tryAcquire(): never {
    throw noSharedMemory('tryAcquire()', 'await x.acquire({ block: false })');
  }
  releaseSync(): never {
    throw noSharedMemory('releaseSync()', 'await x.release()');
  }

  /** `await using held = await sem.enter()`: a unit now, given back when the block ends. */
  async enter(): Promise<Held> {
    await this.acquire();
    return held(() => this.release());
  }
}

/** A Semaphore that refuses to be released above its initial value (ERR_RELEASE_UNLOCKED). */
export class ClusterBoundedSemaphore extends ClusterSemaphore {
  protected override get kind(): string {
    return 'BoundedSemaphore';
  }
  protected override get bounded(): boolean {
    return true;
  }
}
