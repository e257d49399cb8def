// Leases held by this process: a lock, semaphore permit or waiter slot is a member of a Redis
// sorted set scored by its expiry (ms, Redis clock). While this process lives, one timer
// pushes every expiry `stalledTimeout` ahead, every stalledTimeout/3; a process that dies (or
// freezes) stops renewing, and its leases lapse after stalledTimeout. The timer is unref'd:
// holding a lock does not keep an otherwise finished program alive.
import type { ClusterLink } from './link.js';

// KEYS: the sorted sets; ARGV[1]: ttl ms; ARGV[2..]: one token per key. Pushes each expiry
// ahead only where the member still exists (a lapsed or released lease is not revived) and
// returns the indexes of those gone.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local gone = {}
for i, key in ipairs(KEYS) do
  if redis.call('ZSCORE', key, ARGV[i + 1]) then
    redis.call('ZADD', key, 'XX', now + ttl, ARGV[i + 1])
  else
    gone[#gone + 1] = i
  end
end
return gone`;

interface Lease {
  key: string;
  token: string;
}

export class LeaseKeeper {
  private readonly held = new Map<string, Lease>();
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(private readonly link: ClusterLink) {}

  /** Keeps member `token` of sorted set `key` alive until drop(). */
  hold(key: string, token: string): void {
    this.held.set(`${key}\u0000${token}`, { key, token });
    this.start();
  }

  drop(key: string, token: string): void {
    this.held.delete(`${key}\u0000${token}`);
    if (this.held.size === 0) this.stopTimer();
  }

  /** Tokens this process holds in `key` (for RLock re-entry and releases). */
  tokensIn(key: string): string[] {
    const out: string[] = [];
    for (const l of this.held.values()) if (l.key === key) out.push(l.token);
    return out;
  }

  stop(): void {
    this.held.clear();
    this.stopTimer();
  }

  private start(): void {
    if (this.timer) return;
    const every = Math.max(50, Math.floor(this.link.stalledTimeout / 3));
    this.timer = setInterval(() => {
      void this.renew();
    }, every);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    try {
      const leases = [...this.held.values()];
      const conn = await this.link.command();
      const gone = await conn.eval(RENEW, leases.length, ...leases.map((l) => l.key), String(this.link.stalledTimeout), ...leases.map((l) => l.token));
      // Released by another process (a Lock may be), or lapsed: stop renewing it, unless it
      // was taken again meanwhile (then hold() stored a new entry).
      if (Array.isArray(gone)) {
        for (const i of gone) {
          const l = leases[Number(i) - 1];
          const k = l && `${l.key}\u0000${l.token}`;
          if (k && this.held.get(k) === l) this.drop(l.key, l.token);
        }
      }
    } catch {
      // Redis away: the next tick tries again; leases lapse only if it stays away stalledTimeout.
    } finally {
      this.renewing = false;
    }
  }
}
