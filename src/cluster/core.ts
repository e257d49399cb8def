// The submitting side of a cluster context: tasks go into one BullMQ queue (prefix and name =
// the cluster name) in bulks, results come back on this submitter's own Redis list (a worker
// RPUSHes, we BLPOP: no polling, nothing lost, and jobs can be removed on completion). Machines
// that stop answering are found by BullMQ's stalled-job check (this side runs one too, so it
// works with no live worker left): a stalled task reruns under `retries` or rejects with
// WorkerLostError. A Redis that stays away longer than connectTimeout fails every pending task:
// one a worker had started (BullMQ's `active` event reached us) with WorkerLostError, whose
// cause is the Redis failure; one still queued with ERR_CLUSTER_UNAVAILABLE. Connections come
// back by themselves.
import { longTimeout, type LongTimer } from '../util/long-timer.js';
import { randomBytes } from 'node:crypto';
import { AuthenticationError, type WorkerLostError, errors } from '../errors.js';
import { decode } from '../codec/codec.js';
import { readNumbers } from '../codec/numbers.js';
import { loadBullMQ, loadIORedis, type Redis, type RedisOptions } from './deps.js';
import type { ResolvedClusterOptions } from './options.js';
import { unavailable } from './objects/link-errors.js';
import { Kind, encodeTask, parseResult, sign, type TaskHeader } from './wire.js';
import { classesFromRoot } from './refs.js';
import { readWorkers, type WorkerRecord } from './registry.js';
import { EventReader } from './events.js';
import type { Outcome } from '../pool/task.js';

type BullQueue = import('bullmq').Queue;
type Closable = { close(): Promise<void>; disconnect(): Promise<void> };

/** `runMs`: how long the task ran on its machine, when its result said so (stats only). */
export type Settle = (o: Outcome, runMs?: number) => void;

export interface CoreTask {
  id: string;
  settle: Settle;
  retries: number;
  losses: number;
  /** In the queue (its addBulk answered). */
  added?: boolean;
  /** A worker took it (its `active` event came): lost with Redis, it is a lost running task. */
  started?: boolean;
  timer?: LongTimer;
  unlisten?: () => void;
  done: boolean;
  /** A map chunk: a result that is one number array is handed over as a typed array. */
  numbers?: boolean;
}

export interface SubmitSpec {
  header: Omit<TaskHeader, 'i' | 'r'>;
  payload: Uint8Array;
  timeout?: number;
  signal?: AbortSignal;
  retries?: number;
  /** A map chunk: its result may come as a typed array (see CoreTask.numbers). */
  numbers?: boolean;
  settle: Settle;
}

interface Connections {
  queue: BullQueue;
  client: Redis;
  reader: Redis;
  extras: Closable[];
  events?: EventReader;
  /** Every client made here: BullMQ never closes a connection it was handed. */
  clients: Redis[];
}

const BULK = 1000;
export const cancelChannel = (name: string) => `${name}:cancel`;

export function redisArgs(redis: string | RedisOptions, extra: RedisOptions): [string, RedisOptions] | [RedisOptions] {
  return typeof redis === 'string' ? [redis, extra] : [{ ...redis, ...extra }];
}

export class ClusterCore {
  readonly sid = randomBytes(8).toString('hex');
  readonly replyKey: string;
  private nextId = 1;
  private readonly pending = new Map<string, CoreTask>();
  private outbox: { id: string; data: { t: string; h?: string } }[] = [];
  private flushing = false;
  private conns: Promise<Connections> | undefined;
  private downTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Flushes waiting for the submitting client to be ready. */
  private readonly readyWaiters = new Set<() => void>();
  private workersCache: { at: number; list: Promise<WorkerRecord[]> } | undefined;
  /** Told of each pending task BullMQ finds stalled (its machine stopped answering); `rerun`: it will run again. */
  readonly stallListeners = new Set<(id: string, rerun: boolean) => void>();

  constructor(readonly options: ResolvedClusterOptions) {
    this.replyKey = `${options.name}:r:${this.sid}`;
  }

  get size(): number {
    return this.pending.size;
  }

  private connect(): Promise<Connections> {
    this.conns ??= this.open().catch((e: unknown) => {
      this.conns = undefined;
      throw e;
    });
    return this.conns;
  }

  private async open(): Promise<Connections> {
    const [{ Queue, Worker }, RedisCtor] = await Promise.all([loadBullMQ(), loadIORedis()]);
    const o = this.options;
    const base: RedisOptions = { retryStrategy: (n: number) => Math.min(50 * 2 ** Math.min(n, 5), 1000), connectTimeout: Math.min(o.connectTimeout, 10_000) };
    const clients: Redis[] = [];
    const make = (extra: RedisOptions): Redis => {
      const c = new RedisCtor(...(redisArgs(o.redis, { ...base, ...extra }) as [string, RedisOptions]));
      c.on('error', () => {
        /* surfaced through calls and the down timer */
      });
      clients.push(c);
      return c;
    };
    // Commands never wait in an offline queue: a submission waits for `ready` itself, bounded.
    const client = make({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const reader = make({ maxRetriesPerRequest: null });
    const blocking = () => make({ maxRetriesPerRequest: null });
    let wasDown = false;
    client.on('close', () => {
      wasDown = true;
      this.down();
    });
    client.on('ready', () => {
      this.up();
      const waiters = [...this.readyWaiters];
      this.readyWaiters.clear();
      for (const w of waiters) w();
      if (wasDown) {
        wasDown = false;
        void this.recheck(client);
      }
    });
    const queue = new Queue(o.name, { connection: client, prefix: o.name });
    queue.on('error', () => {});
    const conns: Connections = { queue, client, reader, extras: [], clients };
    // The stall watchers start once Redis has answered: BullMQ's blocking clients made while
    // Redis was never reachable cannot be closed cleanly (they would keep reconnecting).
    client.once('ready', () => {
      if (this.closed) return;
      const events = new EventReader(blocking(), `${o.name}:${o.name}:events`, `${this.sid}-`, (event, jobId) => {
        if (event === 'active') {
          const t = this.pending.get(jobId);
          if (t) t.started = true;
        } else if (event === 'stalled') this.onStalled(jobId);
      });
      events.start();
      // A stalled-job checker on this side too: a machine that dies with no other worker left
      // is still noticed. Checks every stalledTimeout/4; workers hold locks for stalledTimeout/2.
      const checker = new Worker(o.name, undefined, {
        connection: blocking(),
        prefix: o.name,
        autorun: false,
        stalledInterval: Math.max(250, Math.floor(o.stalledTimeout / 4)),
        maxStalledCount: 1e9,
      });
      checker.on('error', () => {});
      void checker.startStalledCheckTimer().catch(() => {});
      conns.events = events;
      conns.extras.push(checker);
    });
    // Not waiting for `ready` here: the clients reconnect by themselves, and each flush and
    // call waits (bounded by connectTimeout) for the connection it needs.
    void this.readLoop(reader);
    return conns;
  }

  /**
   * Resolves once the submitting client is ready, or rejects after connectTimeout. Waiters share
   * the client's one `ready` listener (calls made while Redis is away would each add one).
   */
  private waitReady(c: Redis): Promise<void> {
    if (c.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.readyWaiters.delete(ok);
        reject(unavailable(`no connection to Redis within connectTimeout (${this.options.connectTimeout} ms)`));
      }, this.options.connectTimeout);
      this.readyWaiters.add(ok);
    });
  }

  private down(): void {
    if (this.closed || this.downTimer) return;
    this.downTimer = setTimeout(() => {
      this.downTimer = undefined;
      const err = unavailable(`the connection to Redis was lost and did not come back within connectTimeout (${this.options.connectTimeout} ms)`);
      for (const t of [...this.pending.values()]) this.finish(t, { ok: false, error: t.started ? lostWithRedis(err) : err });
    }, this.options.connectTimeout);
    this.downTimer.unref();
  }

  private up(): void {
    if (this.downTimer) {
      clearTimeout(this.downTimer);
      this.downTimer = undefined;
    }
  }

  /**
   * After a reconnect: a Redis that restarted within connectTimeout may have lost queued and
   * running tasks. A task whose job is gone has either pushed its result (it is pushed before
   * the job completes, and read within moments) or was lost: those still pending shortly
   * after reject, so no promise waits for a task that no longer exists.
   */
  private async recheck(client: Redis): Promise<void> {
    const ids = [...this.pending.values()].filter((t) => t.added).map((t) => t.id);
    if (ids.length === 0) return;
    const prefix = `${this.options.name}:${this.options.name}:`;
    let missing: string[];
    try {
      const pipe = client.pipeline();
      for (const id of ids) pipe.exists(prefix + id);
      const res = (await pipe.exec()) ?? [];
      missing = ids.filter((_, i) => res[i]?.[1] === 0);
    } catch {
      return;
    }
    if (missing.length === 0) return;
    // Results already pushed are read first: wait until this submitter's list is empty.
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250).unref());
      try {
        if ((await client.llen(this.replyKey)) === 0) break;
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 250).unref());
    const err = unavailable('Redis restarted and lost this task before it finished');
    for (const id of missing) {
      const t = this.pending.get(id);
      if (t) this.finish(t, { ok: false, error: t.started ? lostWithRedis(err) : err });
    }
  }

  private async readLoop(reader: Redis): Promise<void> {
    while (!this.closed) {
      let first: [Buffer, Buffer] | null;
      try {
        first = (await reader.blpopBuffer(this.replyKey, 0)) as [Buffer, Buffer] | null;
      } catch {
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (!first) continue;
      this.onResult(first[1]);
      // More waiting only if more is pending: a lone round trip goes straight back to BLPOP.
      if (this.pending.size === 0) continue;
      try {
        const more = (await reader.lpopBuffer(this.replyKey, BULK)) as Buffer[] | null;
        if (more) for (const b of more) this.onResult(b);
      } catch {
        /* the next BLPOP reports a lost connection */
      }
    }
  }

  private onResult(bytes: Buffer): void {
    const rec = parseResult(bytes, this.options.authKey);
    if (!rec) {
      process.emitWarning(`multiproc cluster '${this.options.name}': dropped a result that is malformed or not signed with this authKey`, { code: 'MULTIPROC_CLUSTER_BAD_RESULT' });
      return;
    }
    const t = this.pending.get(rec.id);
    if (!t) return;
    if (rec.kind === Kind.AUTH) {
      this.finish(t, {
        ok: false,
        error: new AuthenticationError(
          "the worker refused this task: it is not signed with the worker's key (MULTIPROC_AUTHKEY); give getContext('cluster', { authKey }) the same key",
        ),
      });
      return;
    }
    // Numbers are read straight into a typed array (a JS array of a chunk's size costs far more).
    const numbers = t.numbers && rec.kind === Kind.OK ? readNumbers(rec.body) : null;
    if (numbers) {
      this.finish(t, { ok: true, value: numbers }, rec.runMs);
      return;
    }
    let value: unknown;
    try {
      value = decode(classesFromRoot(rec.body, this.options.root));
    } catch (error) {
      this.finish(t, { ok: false, error });
      return;
    }
    const deliver = (v: unknown) => {
      if (rec.kind === Kind.OK) this.finish(t, { ok: true, value: v }, rec.runMs);
      else if (rec.kind === Kind.PARTIAL) {
        const [values, errors] = v as [unknown[], [number, unknown][]];
        this.finish(t, { ok: 'partial', values, errors }, rec.runMs);
      } else this.finish(t, { ok: false, error: v }, rec.runMs);
    };
    if (value instanceof Promise) value.then(deliver, (error: unknown) => this.finish(t, { ok: false, error }, rec.runMs));
    else deliver(value);
  }

  private onStalled(jobId: string): void {
    const t = this.pending.get(jobId);
    if (!t) return;
    const rerun = t.losses < t.retries;
    for (const l of this.stallListeners) l(jobId, rerun);
    if (rerun) {
      t.losses++;
      return;
    }
    // No reruns left: take it out of the queue if no worker has it yet (a worker that takes
    // it answers WorkerLostError itself, since its stall count is past `retries`).
    void this.connect()
      .then((c) => c.queue.remove(jobId))
      .then(
        (n) => {
          if (n === 1) this.finish(t, { ok: false, error: lostMachine(this.options.stalledTimeout) });
        },
        () => {},
      );
  }

  private finish(t: CoreTask, o: Outcome, runMs?: number): void {
    if (t.done) return;
    t.done = true;
    this.pending.delete(t.id);
    t.timer?.clear();
    t.unlisten?.();
    t.settle(o, runMs);
  }

  /** Queues one task; `settle` is called exactly once. Throws nothing: failures settle. */
  submit(spec: SubmitSpec): CoreTask {
    const id = `${this.sid}-${this.nextId++}`;
    const t: CoreTask = { id, settle: spec.settle, retries: spec.retries ?? 0, losses: 0, done: false };
    if (spec.numbers) t.numbers = true;
    this.pending.set(id, t);
    const { signal, timeout } = spec;
    if (signal) {
      if (signal.aborted) {
        this.finish(t, { ok: false, error: signal.reason });
        return t;
      }
      const onAbort = () => {
        this.finish(t, { ok: false, error: signal.reason });
        void this.cancel([id]);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      t.unlisten = () => signal.removeEventListener('abort', onAbort);
    }
    if (timeout !== undefined) {
      t.timer = longTimeout(() => {
        this.finish(t, { ok: false, error: errors.timeout(`the task did not finish within its timeout (${timeout} ms)`) });
        void this.cancel([id]);
      }, timeout);
    }
    const header: TaskHeader = { ...spec.header, i: id, r: this.replyKey };
    if (timeout !== undefined) header.t = timeout;
    if (spec.retries) header.k = spec.retries;
    const bytes = encodeTask(header, spec.payload);
    const mac = sign(this.options.authKey, bytes);
    this.outbox.push({ id, data: mac ? { t: bytes.toString('base64'), h: mac.toString('base64') } : { t: bytes.toString('base64') } });
    // A microtask, not the next turn: a loop of calls still goes out as one bulk, a lone call at once.
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(() => void this.flush());
    }
    return t;
  }

  private async flush(): Promise<void> {
    let conns: Connections;
    try {
      conns = await this.connect();
      await this.waitReady(conns.client);
    } catch (error) {
      this.flushing = false;
      const batch = this.outbox;
      this.outbox = [];
      for (const j of batch) {
        const t = this.pending.get(j.id);
        if (t) this.finish(t, { ok: false, error });
      }
      return;
    }
    this.flushing = false;
    const jobs: Promise<void>[] = [];
    while (this.outbox.length > 0) {
      const batch = this.outbox.splice(0, BULK).filter((j) => this.pending.has(j.id));
      if (batch.length === 0) continue;
      const opts = (id: string) => ({ jobId: id, removeOnComplete: true, removeOnFail: true });
      // A lone task (a sequential caller) is one script call; addBulk wraps its jobs in MULTI/EXEC.
      const added: Promise<unknown> =
        batch.length === 1
          ? conns.queue.add('task', batch[0]!.data, opts(batch[0]!.id))
          : conns.queue.addBulk(batch.map((j) => ({ name: 'task', data: j.data, opts: opts(j.id) })));
      jobs.push(
        added.then(
          () => {
            for (const j of batch) {
              const t = this.pending.get(j.id);
              if (t) t.added = true;
            }
          },
          (e: unknown) => {
            const error = unavailable(`could not add tasks to the queue: ${e instanceof Error ? e.message : String(e)}`, e);
            for (const j of batch) {
              const t = this.pending.get(j.id);
              if (t) this.finish(t, { ok: false, error });
            }
          },
        ),
      );
    }
    await Promise.all(jobs);
  }

  /** Stops tasks: waiting ones leave the queue, running ones are stopped by their workers. */
  async cancel(ids: string[]): Promise<void> {
    if (ids.length === 0 || !this.conns) return;
    try {
      const c = await this.conns;
      if (c.client.status !== 'ready') return;
      await c.client.publish(cancelChannel(this.options.name), JSON.stringify(ids));
      for (let i = 0; i < ids.length; i += 500) await Promise.all(ids.slice(i, i + 500).map((id) => c.queue.remove(id).catch(() => 0)));
    } catch {
      /* Redis gone: the tasks are gone with it */
    }
  }

  /** Settles `ids` with `outcome` (terminate): nothing more is delivered for them. */
  fail(ids: string[], error: unknown): void {
    for (const id of ids) {
      const t = this.pending.get(id);
      if (t) this.finish(t, { ok: false, error });
    }
  }

  /** Live worker registrations (cached for a second: chunk sizes ask often). */
  async workers(fresh = false): Promise<WorkerRecord[]> {
    // A closed context opens no connection again (a pool's stats() or machine watch may still ask).
    if (this.closed) throw unavailable('the cluster context is closed');
    const now = Date.now();
    if (fresh || !this.workersCache || now - this.workersCache.at > 1000) {
      const list = this.connect().then((c) => readWorkers(c.client, this.options.name));
      this.workersCache = { at: now, list };
      list.catch(() => {
        if (this.workersCache?.list === list) this.workersCache = undefined;
      });
    }
    return this.workersCache.list;
  }

  /** Processes of the live workers, or `fallback` when none is registered (or Redis is away). */
  async processes(fallback: number): Promise<number> {
    try {
      const n = (await this.workers()).reduce((s, w) => s + w.processes, 0);
      return n > 0 ? n : fallback;
    } catch {
      return fallback;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.up();
    const err = unavailable('the cluster context was closed before this task finished');
    for (const t of [...this.pending.values()]) this.finish(t, { ok: false, error: err });
    const conns = await this.conns?.catch(() => undefined);
    if (!conns) return;
    // Every step is bounded: close() waits for a connection that may never come (Redis gone).
    conns.events?.close();
    if (conns.client.status === 'ready') await bounded(conns.client.del(this.replyKey), 1000);
    await Promise.all(
      [conns.queue, ...conns.extras].map(async (x) => {
        await bounded(x.close(), 2000);
        await bounded(x.disconnect(), 1000);
      }),
    );
    for (const c of conns.clients) c.disconnect();
  }
}

function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((r) => setTimeout(r, ms).unref()),
  ]);
}

export function lostMachine(stalledTimeout: number): WorkerLostError {
  return errors.workerLost(`the worker machine running this task stopped answering (no lock renewal within stalledTimeout, ${stalledTimeout} ms)`, {
    exitCode: null,
    signal: null,
  });
}

/** A task a worker had started when Redis went away: lost with it (at most once: never rerun). */
export function lostWithRedis(cause: unknown): WorkerLostError {
  const e = errors.workerLost(
    'the task was running on a worker machine when its Redis became unreachable; its result cannot come back (it ran at most once). Check Redis, then submit it again if it is safe to rerun',
    { exitCode: null, signal: null },
  );
  Object.defineProperty(e, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  return e;
}
