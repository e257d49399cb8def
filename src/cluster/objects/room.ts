// The client side of a waiting room (see lua.ts): a waiter that is told "not yet" sleeps on
// its own wake list with BLPOP, for at most stalledTimeout/2 at a time so it can prove it is
// alive, and for no longer than the caller's timeout or the time at which what it waits for
// may lapse by itself (a dead holder's lease). No polling: between those bounds it is Redis
// that wakes it.
import { randomBytes } from 'node:crypto';
import { blockingPop, evalScript } from './call.js';
import { script } from './lua.js';
import type { ClusterLinkImpl } from './connect.js';

export const newWaiterId = (): string => randomBytes(8).toString('hex');

/** ms a wake list lives: long enough for a live waiter to read it. */
export const wakeTtl = (link: ClusterLinkImpl): number => link.stalledTimeout * 2;

// KEYS: none (names are built from the room prefix). ARGV: room, id, pass on (1/0), wake ttl.
const LEAVE = script(`
local m = room_leave(ARGV[1], ARGV[2])
if m and ARGV[3] == '1' then room_wake(ARGV[1], 1, m, now_ms(), tonumber(ARGV[4])) end
return m or false`);

// ARGV: room, id, ttl. Keeps a joined waiter counted as alive. Once woken (its message waits
// in its wake list) it stays out; one skipped or dropped as dead while it was only slow joins
// again (at the end) and the reply is 2, so the caller re-checks what it waits for.
const REFRESH = script(`
local now = now_ms()
local wl = ARGV[1] .. ':wl'
if redis.call('ZSCORE', wl, ARGV[2]) then redis.call('ZADD', wl, now + tonumber(ARGV[3]), ARGV[2]) return 1 end
if redis.call('LLEN', ARGV[1] .. ':w:' .. ARGV[2]) > 0 then return 1 end
room_join(ARGV[1], ARGV[2], now, tonumber(ARGV[3]))
return 2`);

/** Leaves a room; a wake that arrived meanwhile is handed to the next waiter when `passOn`. Returns it. */
export async function leaveRoom(link: ClusterLinkImpl, room: string, id: string, passOn: boolean): Promise<string | null> {
  const m = await evalScript(link, LEAVE, [], [room, id, passOn ? '1' : '0', wakeTtl(link)]);
  return typeof m === 'string' ? m : null;
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; retryIn: number };

/**
 * Tries, and while told "not yet" waits to be woken and tries again, until `timeout` ms
 * (null: forever; 0: one try). `attempt(waiter)` runs one script that either succeeds
 * (leaving the room if it was in it) or joins `waiter` to the room; waiter is null for a
 * single try. Resolves the value, or null when the time ran out.
 */
export async function waitTurn<T>(
  link: ClusterLinkImpl,
  room: string,
  timeout: number | null,
  attempt: (waiter: string | null) => Promise<Attempt<T>>,
): Promise<{ value: T } | null> {
  if (timeout === 0) {
    const r = await attempt(null);
    return r.ok ? { value: r.value } : null;
  }
  const id = newWaiterId();
  const deadline = timeout === null ? Infinity : performance.now() + timeout;
  for (;;) {
    const r = await attempt(id);
    if (r.ok) return { value: r.value };
    const left = deadline - performance.now();
    if (left <= 0) {
      await leaveRoom(link, room, id, true);
      return null;
    }
    const retryIn = r.retryIn >= 0 ? r.retryIn + 20 : Infinity;
    await blockingPop(link, `${room}:w:${id}`, Math.min(left, retryIn, link.stalledTimeout / 2));
  }
}

/**
 * For a waiter a script already joined to `room` (Condition, Event, Barrier): the message it
 * is woken with, or null when `timeout` ms (null: forever) passed first. `recheck` says
 * (with a message to return) whether what it waits for happened while it was out of the room.
 */
export async function listen(link: ClusterLinkImpl, room: string, id: string, timeout: number | null, recheck?: () => Promise<string | null>): Promise<string | null> {
  const deadline = timeout === null ? Infinity : performance.now() + timeout;
  const wake = `${room}:w:${id}`;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return leaveRoom(link, room, id, false);
    const m = await blockingPop(link, wake, Math.min(left, link.stalledTimeout / 2));
    // The waker took this waiter out of the room; the emptied wake list is gone with the pop.
    if (m) return m.toString();
    const r = await evalScript(link, REFRESH, [], [room, id, link.stalledTimeout]);
    if (r === 2 && recheck) {
      const happened = await recheck();
      if (happened !== null) {
        await leaveRoom(link, room, id, false);
        return happened;
      }
    }
  }
}
