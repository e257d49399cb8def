// Results leave a worker in batches: every result pushed in the same callback (and its promise
// jobs) goes out together, one command per submitter list (a small script: RPUSH of the
// values and a PEXPIRE, so the list of a submitter that died does not stay). The commands go on
// the connection BullMQ completes jobs on, and a task's job is completed only once its result
// is *written* there: Redis runs one connection's commands in order, so a completed job always
// has its result in Redis already (a worker that dies in between leaves a stalled job, never a
// lost result), and the worker does not wait a round trip for the push before completing the
// job (measured on figure 15(c): one wake-up less per task on the worker).
import type { Redis } from './deps.js';

/** A submitter's result list outlives it by this much at most. */
const LIST_TTL_MS = 60 * 60 * 1000;
/** Values per script call (Lua's unpack is bounded). */
const CHUNK = 1000;
const PUSH = "local n = redis.call('RPUSH', KEYS[1], unpack(ARGV, 2)) redis.call('PEXPIRE', KEYS[1], ARGV[1]) return n";

export interface Sent {
  /** Written to the connection: any command sent on it after this runs after the push. */
  written: Promise<void>;
  /** True once Redis has the result, false if the push failed (never rejects). */
  stored: Promise<boolean>;
}

interface Batch extends Sent {
  lists: Map<string, Buffer[]>;
  wrote: () => void;
  store: (ok: boolean) => void;
}

export class ResultSender {
  private batch: Batch | undefined;

  /** `redis` must be the connection the worker's BullMQ Worker completes jobs on. */
  constructor(private readonly redis: Redis) {}

  send(list: string, record: Buffer): Sent {
    let b = this.batch;
    if (!b) {
      let wrote!: () => void;
      let store!: (ok: boolean) => void;
      const written = new Promise<void>((r) => (wrote = r));
      const stored = new Promise<boolean>((r) => (store = r));
      b = this.batch = { lists: new Map(), written, stored, wrote, store };
      // After the current callback and its promise jobs: results that finish together share a
      // flush, and a lone result does not wait a turn of the event loop.
      process.nextTick(() => this.flush());
    }
    let values = b.lists.get(list);
    if (!values) {
      values = [];
      b.lists.set(list, values);
    }
    values.push(record);
    return b;
  }

  private flush(): void {
    const b = this.batch!;
    this.batch = undefined;
    const calls: Promise<unknown>[] = [];
    for (const [list, values] of b.lists) {
      for (let i = 0; i < values.length; i += CHUNK) calls.push(this.redis.eval(PUSH, 1, list, LIST_TTL_MS, ...values.slice(i, i + CHUNK)));
    }
    // ioredis has written each command (or queued it, in order, while reconnecting).
    b.wrote();
    Promise.all(calls).then(
      () => b.store(true),
      () => b.store(false),
    );
  }
}
