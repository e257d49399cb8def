// Queue, JoinableQueue and SimpleQueue on Redis. Items are codec bytes in the list `:items`:
// put() is RPUSH (in a script that checks a bounded queue's room), get() is BLPOP on a
// dedicated connection (Redis hands items to blocked readers in arrival order: no polling).
// A bounded queue's writers wait in the room `:put` and each get wakes one. A JoinableQueue
// counts unfinished items in `:u`; join() waits in the room `:join` until taskDone() brings
// it to 0. Every key disappears when the queue is empty and all its items are done.
import { Empty, Full, errors } from '../../errors.js';
import { closedQueue, wireTimeoutOf, type WaitOptions } from '../../hub/proxy.js';
import { ClusterObject } from './base.js';
import { blockingPop, evalScript, evalScriptBuffer, run } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { script } from './lua.js';
import { waitTurn, wakeTtl } from './room.js';
import { fromBytes, toBytes } from './values.js';

// KEYS: items, unfinished. ARGV: maxsize, joinable, room, waiter, ttl, wake ttl, item.
const PUT = script(`
local now = now_ms()
local max = tonumber(ARGV[1])
if max > 0 and redis.call('LLEN', KEYS[1]) >= max then
  if ARGV[4] ~= '' then room_join(ARGV[3], ARGV[4], now, tonumber(ARGV[5])) end
  return 0
end
local n = redis.call('RPUSH', KEYS[1], ARGV[7])
if ARGV[2] == '1' then redis.call('INCR', KEYS[2]) end
if ARGV[4] ~= '' then
  local m = room_leave(ARGV[3], ARGV[4])
  if m and n < max then room_wake(ARGV[3], 1, m, now, tonumber(ARGV[6])) end
end
return 1`);

// KEYS: items. ARGV: room, wake ttl, maxsize. Takes one item now (nil when empty).
const GET_NOW = script(`
local item = redis.call('LPOP', KEYS[1])
if item and tonumber(ARGV[3]) > 0 then room_wake(ARGV[1], 1, 'space', now_ms(), tonumber(ARGV[2])) end
return item`);

// ARGV: room, wake ttl. After a blocking get: a bounded queue has room for one more.
const SPACE = script(`room_wake(ARGV[1], 1, 'space', now_ms(), tonumber(ARGV[2])) return 1`);

// KEYS: unfinished. ARGV: room, wake ttl.
const TASK_DONE = script(`
local u = tonumber(redis.call('GET', KEYS[1]) or '0')
if u <= 0 then return 'TOOMANY' end
if redis.call('DECR', KEYS[1]) <= 0 then
  redis.call('DEL', KEYS[1])
  room_wake(ARGV[1], -1, 'done', now_ms(), tonumber(ARGV[2]))
end
return 'OK'`);

// KEYS: unfinished. ARGV: room, waiter, ttl.
const JOIN = script(`
if tonumber(redis.call('GET', KEYS[1]) or '0') <= 0 then
  if ARGV[2] ~= '' then room_leave(ARGV[1], ARGV[2]) end
  return 1
end
if ARGV[2] ~= '' then room_join(ARGV[1], ARGV[2], now_ms(), tonumber(ARGV[3])) end
return 0`);

export interface IterOptions<T> {
  /** Iteration ends when an item equal to this (Object.is) arrives. */
  sentinel?: T;
}

export function checkMaxsize(maxsize: unknown): number {
  if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) throw errors.invalidArgType('maxsize must be an integer (0 or less: unbounded)');
  return Math.max(0, maxsize);
}

export class ClusterQueue<T = unknown> extends ClusterObject {
  /** The queue's capacity (0: unbounded). */
  readonly maxsize: number;
  #closed = false;
  protected get kind(): string {
    return 'Queue';
  }
  protected get joinable(): boolean {
    return false;
  }
  protected override params(): Record<string, unknown> {
    return { maxsize: this.maxsize };
  }

  /** @internal */
  constructor(link: ClusterLinkImpl, maxsize: number, id?: string) {
    super(link, id);
    this.maxsize = checkMaxsize(maxsize);
  }

  /** @internal */ get itemsKey(): string {
    return `${this.base}:items`;
  }
  /** @internal */ get unfinishedKey(): string {
    return `${this.base}:u`;
  }
  private get putRoom(): string {
    return `${this.base}:put`;
  }

  #check(): void {
    if (this.#closed) throw closedQueue();
  }

  /** Puts `item` (waits for room in a bounded queue; Full when none in time). Throws ERR_NOT_TRANSFERABLE at the call. */
  put(item: T, options?: WaitOptions): Promise<void> {
    this.#check();
    const timeout = wireTimeoutOf(options, 'put()');
    return this.#put(toBytes(item, 'item'), timeout);
  }

  async #put(bytes: Buffer, timeout: number | null): Promise<void> {
    // Nothing to check or count: a plain RPUSH.
    if (this.maxsize === 0 && !this.joinable) {
      await run(this.link, (c) => c.rpush(this.itemsKey, bytes));
      return;
    }
    const done = await waitTurn(this.link, this.putRoom, timeout, async (waiter) => {
      const r = await evalScript(
        this.link,
        PUT,
        [this.itemsKey, this.unfinishedKey],
        [this.maxsize, this.joinable ? '1' : '0', this.putRoom, waiter ?? '', this.link.stalledTimeout, wakeTtl(this.link), bytes],
      );
      return r === 1 ? { ok: true as const, value: true } : { ok: false as const, retryIn: -1 };
    });
    if (!done) throw new Full(timeout === 0 ? 'the queue is full' : `the queue stayed full for ${timeout} ms`);
  }

  /** Takes the next item (Empty when none arrives in time). */
  get(options?: WaitOptions): Promise<T> {
    this.#check();
    return this.#get(wireTimeoutOf(options, 'get()'));
  }

  async #get(timeout: number | null): Promise<T> {
    if (timeout === 0) {
      const item = await evalScriptBuffer(this.link, GET_NOW, [this.itemsKey], [this.putRoom, wakeTtl(this.link), this.maxsize]);
      if (item === null || item === undefined) throw new Empty('the queue is empty');
      return fromBytes<T>(item);
    }
    // Forever is a BLPOP at a time of at most stalledTimeout, so a frozen Redis is noticed
    // (blockingPop's guard) instead of holding the call forever.
    const deadline = timeout === null ? Infinity : performance.now() + timeout;
    let item: Buffer | null = null;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      item = await blockingPop(this.link, this.itemsKey, Math.min(left, this.link.stalledTimeout));
      if (item !== null) break;
    }
    if (item === null) throw new Empty(`nothing arrived within ${timeout} ms`);
    if (this.maxsize > 0) await evalScript(this.link, SPACE, [], [this.putRoom, wakeTtl(this.link)]);
    return fromBytes<T>(item);
  }

  putNowait(item: T): Promise<void> {
    return this.put(item, { block: false });
  }
  getNowait(): Promise<T> {
    return this.get({ block: false });
  }

  /** Number of items now. */
  qsize(): Promise<number> {
    this.#check();
    return run(this.link, (c) => c.llen(this.itemsKey));
  }
  async empty(): Promise<boolean> {
    return (await this.qsize()) === 0;
  }
  async full(): Promise<boolean> {
    return this.maxsize > 0 && (await this.qsize()) >= this.maxsize;
  }

  /** Closes this handle only (as in CPython): its later put/get throw ERR_QUEUE_CLOSED. */
  close(): void {
    this.#closed = true;
  }

  /** Items until `sentinel` arrives: `for await (const x of q.iter({ sentinel: null }))`. */
  async *iter(options: IterOptions<T> = {}): AsyncGenerator<T, void, undefined> {
    const hasSentinel = 'sentinel' in options;
    for (;;) {
      const item = await this.get();
      if (hasSentinel && Object.is(item, options.sentinel)) return;
      yield item;
    }
  }
}

export class ClusterJoinableQueue<T = unknown> extends ClusterQueue<T> {
  protected override get kind(): string {
    return 'JoinableQueue';
  }
  protected override get joinable(): boolean {
    return true;
  }
  private get joinRoom(): string {
    return `${this.base}:join`;
  }

  /** One item put earlier is fully processed. Too many calls: ERR_TASK_DONE_TOO_MANY. */
  async taskDone(): Promise<void> {
    const r = await evalScript(this.link, TASK_DONE, [this.unfinishedKey], [this.joinRoom, wakeTtl(this.link)]);
    if (r === 'TOOMANY') throw errors.taskDoneTooMany('taskDone() called more times than items were put in the queue');
  }

  /** Waits until every item put has been marked done. */
  async join(): Promise<void> {
    await waitTurn(this.link, this.joinRoom, null, async (waiter) => {
      const r = await evalScript(this.link, JOIN, [this.unfinishedKey], [this.joinRoom, waiter ?? '', this.link.stalledTimeout]);
      return r === 1 ? { ok: true as const, value: true } : { ok: false as const, retryIn: -1 };
    });
  }
}

/** An unbounded queue (CPython's SimpleQueue). */
export class ClusterSimpleQueue<T = unknown> extends ClusterQueue<T> {
  protected override get kind(): string {
    return 'SimpleQueue';
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, id?: string) {
    super(link, 0, id);
  }
}

export function noSimpleQueueArgs(n: number): void {
  if (n > 0) throw errors.invalidArgValue('SimpleQueue takes no arguments (it is unbounded)', { as: 'RangeError' });
}
