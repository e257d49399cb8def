// Results leave a worker in batches: every result pushed in the same callback (and its promise jobs)
// goes in one pipeline (an RPUSH of several values per submitter list, and a PEXPIRE so the
// list of a submitter that died does not stay). A task's job completes only after its result
// is in Redis, so a worker that dies in between leaves a stalled job, never a lost result.
import type { Redis } from './deps.js';

/** A submitter's result list outlives it by this much at most. */
const LIST_TTL_MS = 60 * 60 * 1000;

export class ResultSender {
  private batch = new Map<string, Buffer[]>();
  private waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly redis: Redis) {}

  send(list: string, record: Buffer): Promise<void> {
    let values = this.batch.get(list);
    if (!values) {
      values = [];
      this.batch.set(list, values);
    }
    values.push(record);
    const p = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    // After the current callback and its promise jobs: results that finish together still share
    // a pipeline, and a lone result does not wait a turn of the event loop.
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => void this.flush());
    }
    return p;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.batch;
    const waiting = this.waiting;
    this.batch = new Map();
    this.waiting = [];
    const pipe = this.redis.pipeline();
    for (const [list, values] of batch) {
      pipe.rpush(list, ...values);
      pipe.pexpire(list, LIST_TTL_MS);
    }
    try {
      await pipe.exec();
      for (const w of waiting) w.resolve();
    } catch (e) {
      for (const w of waiting) w.reject(e);
    }
  }
}
