// A submitter's view of its queue's BullMQ event stream (`NAME:NAME:events`): which tasks a
// worker has taken (`active`: lost with Redis, such a task is a lost running task) and which
// BullMQ found stalled (their machine stopped answering). Read with blocking XREADs on its own
// connection, as BullMQ's QueueEvents reads it, but after a read that returned events the next
// read waits GAP_MS: the stream carries four events per task, and a submitter that woke for
// each spent as much CPU on them as on its tasks (measured on figure 15(c): about a third of a
// sequential caller's CPU per round trip). Idle, it blocks in XREAD; busy, it reads in bulks.
// Both events matter only on faults noticed after seconds (stalledTimeout, connectTimeout),
// so GAP_MS of delay changes no outcome.
import type { Redis } from './deps.js';

export const GAP_MS = 50;
/** Entries taken per read: a long backlog is read in several. */
const COUNT = 5000;
/** One XREAD blocks this long at most, then is sent again (as QueueEvents does). */
const BLOCK_MS = 10_000;

export type EventHandler = (event: string, jobId: string) => void;

export class EventReader {
  private closed = false;
  private gap: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  /** `conn` is a connection of its own (it blocks); the caller disconnects it. */
  constructor(
    private readonly conn: Redis,
    private readonly key: string,
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
        reply = await this.conn.xread('COUNT', COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', this.key, id);
      } catch {
        // Connection lost (or closed): the client reconnects by itself; read on from `id`.
        if (!this.closed) await this.pause(100);
        continue;
      }
      const last = this.deliver(reply);
      if (last === undefined) continue;
      id = last;
      await this.pause(GAP_MS);
    }
  }

  /** Hands each entry of an XREAD reply to onEvent; the last entry's id, or undefined when none. Never throws. */
  private deliver(reply: unknown): string | undefined {
    const stream = Array.isArray(reply) ? (reply[0] as unknown) : undefined;
    const entries = Array.isArray(stream) ? (stream[1] as unknown) : undefined;
    if (!Array.isArray(entries)) return undefined;
    let last: string | undefined;
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) continue;
      last = entry[0];
      const fields = entry[1] as unknown[];
      let event: unknown;
      let jobId: unknown;
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (fields[i] === 'event') event = fields[i + 1];
        else if (fields[i] === 'jobId') jobId = fields[i + 1];
      }
      if (typeof event === 'string' && typeof jobId === 'string') {
        try {
          this.onEvent(event, jobId);
        } catch {
          /* a handler's bug must not stop the reader */
        }
      }
    }
    return last;
  }
}
