// Barrier on Redis. The hash `:st` holds the arrivals of the current round (c), whether the
// last arriver runs its action now (a), whether the barrier is broken (b) and the round (g);
// it is deleted whenever it is back to a fresh barrier's state. Waiters of round g sleep in
// the room `:bar:<g>`; the last to arrive wakes them all with 'go' (after running its action,
// if its handle has one), and a timeout, abort() or a failed action wakes them with 'broken'
// (BrokenBarrierError). Arrivals while the action runs belong to the next round.
import { BrokenBarrierError, errors } from '../../errors.js';
import { timeoutArg } from '../../hub/proxy.js';
import { ClusterObject } from './base.js';
import { evalScript, run } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { script } from './lua.js';
import { listen, newWaiterId, wakeTtl } from './room.js';

export interface ClusterBarrierOptions {
  /** Runs once per pass, in the process of the last waiter to arrive (if its handle has it). */
  action?: () => unknown;
  /** Default timeout (ms) of wait(). */
  timeout?: number;
}

// KEYS: state. ARGV[1] room prefix, ARGV[2] wake ttl. pass(): everyone of this round goes.
const COMMON = `
local st = KEYS[1]
local now = now_ms()
local function pass(parties)
  local g = tonumber(redis.call('HGET', st, 'g') or '0')
  room_wake(ARGV[1] .. ':' .. g, -1, 'go', now, tonumber(ARGV[2]))
  local c = redis.call('HINCRBY', st, 'c', -parties)
  if c <= 0 then redis.call('DEL', st) else redis.call('HSET', st, 'g', g + 1, 'a', '0') end
end
local function breakit()
  local g = tonumber(redis.call('HGET', st, 'g') or '0')
  room_wake(ARGV[1] .. ':' .. g, -1, 'broken', now, tonumber(ARGV[2]))
  room_wake(ARGV[1] .. ':' .. (g + 1), -1, 'broken', now, tonumber(ARGV[2]))
  redis.call('DEL', st)
  redis.call('HSET', st, 'b', '1')
end
`;

// ARGV[3] parties, [4] waiter, [5] ttl, [6] has action. Replies {index, round, what}: what 0
// wait in the room, 1 run the action then PASS, 2 passed now; {-1} broken.
const ARRIVE = script(
  COMMON +
    `
if redis.call('HGET', st, 'b') == '1' then return {-1} end
local parties = tonumber(ARGV[3])
local g = tonumber(redis.call('HGET', st, 'g') or '0')
local acting = redis.call('HGET', st, 'a') == '1'
local c = redis.call('HINCRBY', st, 'c', 1)
local index = c - 1
if acting then index = index - parties g = g + 1 end
if not acting and c == parties then
  if ARGV[6] == '1' then redis.call('HSET', st, 'a', '1') return {index, g, 1} end
  pass(parties)
  return {index, g, 2}
end
room_join(ARGV[1] .. ':' .. g, ARGV[4], now, tonumber(ARGV[5]))
return {index, g, 0}`,
);

// ARGV[3] parties.
const PASS = script(COMMON + `pass(tonumber(ARGV[3])) return 1`);
const BREAK = script(COMMON + `breakit() return 1`);
// Wakes everyone waiting with 'broken' and leaves a fresh barrier.
const RESET = script(COMMON + `breakit() redis.call('DEL', st) return 1`);

const broken = () => new BrokenBarrierError('the barrier is broken');

export class ClusterBarrier extends ClusterObject {
  readonly parties: number;
  readonly #timeout: number | null;
  #action: (() => unknown) | null;
  protected get kind(): string {
    return 'Barrier';
  }
  protected override params(): Record<string, unknown> {
    return { parties: this.parties, timeout: this.#timeout };
  }

  /** @internal */
  constructor(link: ClusterLinkImpl, parties: unknown, options: ClusterBarrierOptions = {}, id?: string) {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1) throw errors.invalidArgValue('Barrier(parties): parties must be an integer >= 1');
    if (options.action !== undefined && typeof options.action !== 'function') throw errors.invalidArgType('Barrier action must be a function');
    super(link, id);
    this.parties = parties;
    this.#timeout = timeoutArg(options.timeout, 'Barrier');
    this.#action = options.action ?? null;
  }

  private get stateKey(): string {
    return `${this.base}:st`;
  }
  private get room(): string {
    return `${this.base}:bar`;
  }
  private common(): (string | number)[] {
    return [this.room, wakeTtl(this.link)];
  }

  /** A handle revived elsewhere has no action; give it one here (it runs where the last waiter arrives). */
  useAction(action: (() => unknown) | undefined): this {
    if (action !== undefined && typeof action !== 'function') throw errors.invalidArgType('Barrier action must be a function');
    if (action) this.#action = action;
    return this;
  }

  /** Waits for the others; resolves with this waiter's arrival index (0 .. parties-1). */
  async wait(timeout?: number): Promise<number> {
    const limit = timeout === undefined ? this.#timeout : timeoutArg(timeout, 'Barrier.wait()');
    const waiter = newWaiterId();
    const r = (await evalScript(this.link, ARRIVE, [this.stateKey], [...this.common(), this.parties, waiter, this.link.stalledTimeout, this.#action ? '1' : '0'])) as number[];
    const [index, round, what] = r.map(Number) as [number, number, number];
    if (index < 0) throw broken();
    if (what === 2) return index;
    if (what === 1) {
      try {
        await this.#action!();
      } catch (e) {
        await evalScript(this.link, BREAK, [this.stateKey], this.common());
        throw e;
      }
      await evalScript(this.link, PASS, [this.stateKey], [...this.common(), this.parties]);
      return index;
    }
    const m = await listen(this.link, `${this.room}:${round}`, waiter, limit);
    if (m === 'go') return index;
    // Timed out (a timeout breaks the barrier, as in CPython), or woken by a break.
    if (m === null) await evalScript(this.link, BREAK, [this.stateKey], this.common());
    throw broken();
  }

  /** Breaks the barrier: waiters now and later get BrokenBarrierError until reset(). */
  async abort(): Promise<void> {
    await evalScript(this.link, BREAK, [this.stateKey], this.common());
  }
  /** Back to a fresh barrier; those waiting get BrokenBarrierError. */
  async reset(): Promise<void> {
    await evalScript(this.link, RESET, [this.stateKey], this.common());
  }

  async nWaiting(): Promise<number> {
    const [c, a] = await run(this.link, (conn) => conn.hmget(this.stateKey, 'c', 'a'));
    const n = Number(c ?? 0);
    return a === '1' ? Math.max(0, n - this.parties) : n;
  }

  async broken(): Promise<boolean> {
    return (await run(this.link, (c) => c.hget(this.stateKey, 'b'))) === '1';
  }
}
