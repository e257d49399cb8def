// Event on Redis: the flag is the key `:flag` (absent: clear). wait() joins the room `:ev` in
// the same script that finds the flag clear, so a set() in between cannot be missed; set()
// wakes every waiter with one message each.
import { timeoutArg } from '../../hub/proxy.js';
import { ClusterObject } from './base.js';
import { evalScript, run } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { script } from './lua.js';
import { listen, newWaiterId, wakeTtl } from './room.js';

// KEYS: flag. ARGV: room, wake ttl.
const SET = script(`
redis.call('SET', KEYS[1], '1')
room_wake(ARGV[1], -1, 'set', now_ms(), tonumber(ARGV[2]))
return 1`);

// KEYS: flag. ARGV: room, waiter ('' = none), ttl. 1: set now; 0: not set (waiter joined).
const WAIT = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
if ARGV[2] ~= '' then room_join(ARGV[1], ARGV[2], now_ms(), tonumber(ARGV[3])) end
return 0`);

export class ClusterEvent extends ClusterObject {
  protected get kind(): string {
    return 'Event';
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, id?: string) {
    super(link, id);
  }

  private get flagKey(): string {
    return `${this.base}:flag`;
  }
  private get room(): string {
    return `${this.base}:ev`;
  }

  async set(): Promise<void> {
    await evalScript(this.link, SET, [this.flagKey], [this.room, wakeTtl(this.link)]);
  }
  async clear(): Promise<void> {
    await run(this.link, (c) => c.del(this.flagKey));
  }
  async isSet(): Promise<boolean> {
    return (await run(this.link, (c) => c.exists(this.flagKey))) === 1;
  }

  /** Resolves true once set, false if `timeout` ms pass first. */
  wait(timeout?: number): Promise<boolean> {
    return this.#wait(timeoutArg(timeout, 'Event.wait()'));
  }

  async #wait(limit: number | null): Promise<boolean> {
    const waiter = limit === 0 ? '' : newWaiterId();
    const r = await evalScript(this.link, WAIT, [this.flagKey], [this.room, waiter, this.link.stalledTimeout]);
    if (r === 1) return true;
    if (limit === 0) return false;
    // Back in the room after being taken for dead (only slow): the flag may have been set meanwhile.
    const recheck = async () => ((await this.isSet()) ? 'set' : null);
    return (await listen(this.link, this.room, waiter, limit, recheck)) !== null;
  }
}
