// A submitter's view of its queue's BullMQ event stream (`NAME:NAME:events`): which tasks a
// worker has taken (`active`: lost with Redis, such a task is a lost running task) and which
// BullMQ found stalled (their machine stopped answering). Read with blocking XREADs on its own
// connection, as BullMQ's QueueEvents reads it, but after a read that returned events the next
// read waits GAP_MS: the stream carries four events per task, and a submitter that woke for
// each spent as much CPU on them as on its tasks (measured on figure 15(c): about a third of a
// sequential caller's CPU per round trip). Idle, it blocks in XREAD; busy, it reads in bulks.
// Both events matter only on faults noticed after seconds (stalledTimeout, connectTimeout),
// so GAP_MS of delay changes no outcome. The blocking XREAD takes one entry (to wake); the
// entries are then read through a script that keeps only the two events this submitter uses
// (`active` of its own jobs, `stalled`): the stream carries about four events per task of
// every submitter, and parsing them all here cost a third of a submitter's CPU per task
// (figure 15(a): 122 -> 80 µs per task with no event reading at all).
import type { Redis } from './deps.js';

export const GAP_MS = 50;
/** Entries taken per script call: a long backlog is read in several (each call holds Redis for ~1 ms at most). */
const COUNT = 1000;
/** One XREAD blocks this long at most, then is sent again (as QueueEvents does). */
const BLOCK_MS = 10_000;

/**
 * Entries after ARGV[1] (the entry with that id itself is skipped), at most ARGV[2]: returns
 * [last id read, entries read, event, jobId, event, jobId, ...] for `stalled` events and
 * `active` events whose jobId starts with ARGV[3].
 */
const FILTER = `local es = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', tonumber(ARGV[2]) + 1)
local out = {ARGV[1], 0}
local p = ARGV[3]
for i = 1, #es do
  local e = es[i]
  if e[1] ~= ARGV[1] then
    out[1] = e[1]
    out[2] = out[2] + 1
    local f = e[2]
    local ev, job
    for j = 1, #f - 1, 2 do
      if f[j] == 'event' then ev = f[j + 1] elseif f[j] == 'jobId' then job = f[j + 1] end
    end
    if job and (ev == 'stalled' or (ev == 'active' and string.sub(job, 1, #p) == p)) then
      out[#out + 1] = ev
      out[#out + 1] = job
    end
  end
end
return out`;

export type EventHandler = (event: string, jobId: string) => void;

export class EventReader {
  private closed = false;
  private gap: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  /** `conn` is a connection of its own (it blocks); the caller disconnects it. `prefix`: the start of this submitter's job ids (its `active` events are the ones kept). */
  constructor(
    private readonly conn: Redis,
    private readonly key: string,
    private readonly prefix: string,
    private readonly onEvent: EventHandler,
  ) {}

  /** Reads from now on ('$': events written before it starts are not seen). */
  start(): void {
    void this.loop();
  }

  close(): void {
    this.closed = true;
    if (this.gap) {
      clearTimeout(this.gap.timer);
      this.gap.wake();
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.gap = undefined;
        resolve();
      };
      this.gap = { timer: setTimeout(wake, ms), wake };
      this.gap.timer.unref();
    });
  }

  private async loop(): Promise<void> {
    let id = '$';
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await this.conn.xread('COUNT', 1, 'BLOCK', BLOCK_MS, 'STREAMS', this.key, id);
      } catch {
        // Connection lost (or closed): the client reconnects by itself; read on from `id`.
        if (!this.closed) await this.pause(100);
        continue;
      }
      const first = entryId(reply);
      if (first === undefined) continue;
      await this.pause(GAP_MS);
      // The entry that woke us is read by the script too: it is the first after the id before it.
      id = await this.filtered(previousId(first));
    }
  }

  /** Reads every entry after `after` through FILTER, in bulks, handing the kept events on; the id of the last entry read. */
  private async filtered(after: string): Promise<string> {
    let id = after;
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await this.conn.eval(FILTER, 1, this.key, id, COUNT, this.prefix);
      } catch {
        return id;
      }
      if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'number') return id;
      id = reply[0];
      for (let i = 2; i + 1 < reply.length; i += 2) {
        const event: unknown = reply[i];
        const jobId: unknown = reply[i + 1];
        if (typeof event !== 'string' || typeof jobId !== 'string') continue;
        try {
          this.onEvent(event, jobId);
        } catch {
          /* a handler's bug must not stop the reader */
        }
      }
      if (reply[1] < COUNT) return id;
    }
    return id;
  }
}

/** The id of the first entry of an XREAD reply, or undefined when none. */
function entryId(reply: unknown): string | undefined {
  const stream = Array.isArray(reply) ? (reply[0] as unknown) : undefined;
  const entries = Array.isArray(stream) ? (stream[1] as unknown) : undefined;
  const first = Array.isArray(entries) ? (entries[0] as unknown) : undefined;
  return Array.isArray(first) && typeof first[0] === 'string' ? first[0] : undefined;
}

/** A stream id just before `id` ('ms-seq'): XRANGE from it includes `id`, and FILTER skips only that exact id. */
function previousId(id: string): string {
  const [ms, seq] = id.split('-');
  const n = Number(seq);
  if (n > 0) return `${ms}-${n - 1}`;
  return Number(ms) > 0 ? `${Number(ms) - 1}-18446744073709551615` : '0-0';
}
