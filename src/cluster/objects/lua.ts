// Lua shared by the objects' scripts. Every state change of an object is one script, so it is
// atomic in Redis; the pieces here are the clock and the waiting room.
//
// A waiting room (prefix p) is how a waiter sleeps without polling: it queues its id in the
// list p:wq (FIFO), records when it stops counting as alive in the sorted set p:wl (it
// refreshes that while it waits), and blocks (BLPOP) on its own wake list p:w:<id>. Whoever
// frees what it waits for pushes a message into the wake list of the first live waiter (or
// of all). A waiter that dies stops refreshing and is skipped once its entry lapses. Wake
// lists expire by themselves, so a wake pushed to a waiter that just died leaves nothing.
//
// Wake list names are built inside the scripts from the room prefix (fine on one Redis; not
// for Redis Cluster, whose scripts must declare every key).

export const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Joins room p (or refreshes a waiter already in it, keeping its place). Drops waiters silent
-- for three times their ttl: dead for sure (a live one refreshes every ttl/2).
local function room_join(p, id, now, ttl)
  local dead = redis.call('ZRANGEBYSCORE', p .. ':wl', '-inf', '(' .. (now - 2 * ttl))
  for _, d in ipairs(dead) do
    redis.call('LREM', p .. ':wq', 0, d)
    redis.call('ZREM', p .. ':wl', d)
  end
  if not redis.call('ZSCORE', p .. ':wl', id) then redis.call('RPUSH', p .. ':wq', id) end
  redis.call('ZADD', p .. ':wl', now + ttl, id)
end
-- Wakes up to n live waiters of room p with msg; n < 0: every waiter, even one that looks
-- dead (it may only be slow; a wake list nobody reads expires). Returns how many woke.
local function room_wake(p, n, msg, now, ttl)
  local woken = 0
  while n < 0 or woken < n do
    local id = redis.call('LPOP', p .. ':wq')
    if not id then break end
    local exp = redis.call('ZSCORE', p .. ':wl', id)
    redis.call('ZREM', p .. ':wl', id)
    if n < 0 or (exp and tonumber(exp) >= now) then
      local k = p .. ':w:' .. id
      redis.call('RPUSH', k, msg)
      redis.call('PEXPIRE', k, ttl)
      woken = woken + 1
    end
  end
  return woken
end
-- Takes waiter id out of room p. Returns the wake message it had not read yet, or false.
local function room_leave(p, id)
  redis.call('LREM', p .. ':wq', 0, id)
  redis.call('ZREM', p .. ':wl', id)
  local k = p .. ':w:' .. id
  local m = redis.call('LPOP', k)
  redis.call('DEL', k)
  return m
end
`;

/** A script body with the prelude in front. */
export function script(body: string): string {
  return PRELUDE + body;
}
