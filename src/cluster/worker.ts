// `multiproc worker`: takes this cluster's tasks from its BullMQ queue and runs them on a local
// Pool. It checks each job's signature before reading anything else, runs only tasks signed
// with its key (MULTIPROC_AUTHKEY), hands the task bytes untouched to a pool process (which
// decodes them under --root), and pushes the result bytes back untouched to the submitter's
// list, signed. Garbage in the queue is dropped with a log line. It heartbeats its
// registration, stops running tasks when their submitter cancels them, and on SIGTERM
// drains: no new tasks, running ones finish, exit 0; a second signal stops at once.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { encode } from '../codec/codec.js';
import { errors } from '../errors.js';
import { Pool } from '../pool/pool.js';
import { Mode } from '../protocol/runtime.js';
import { loadBullMQ, loadIORedis, type Redis, type RedisOptions } from './deps.js';
import { ENV_CONNECT, ENV_NAME, ENV_STALLED, ENV_URL } from './objects/connect.js';
import { TaskCancel, TaskRunner } from './task-runner.js';
import { Kind, MAX_TASK_BYTES, encodeResult, parseTask, replyOf, verify } from './wire.js';
import { cancelChannel } from './core.js';
import { removeWorker, writeWorker, type WorkerRecord } from './registry.js';
import { ResultSender } from './result-sender.js';

export interface WorkerArgs {
  redis: string;
  name: string;
  processes: number;
  context: 'process' | 'thread';
  root: string;
  insecure: boolean;
  stalledTimeout: number;
  connectTimeout: number;
}

const log = (line: string) => process.stderr.write(`multiproc worker: ${line}\n`);

export async function runWorker(a: WorkerArgs): Promise<void> {
  const envKey = process.env.MULTIPROC_AUTHKEY;
  const key = envKey ? Buffer.from(envKey, 'utf8') : undefined;
  // The tasks this worker runs (and their children) do not inherit the key.
  delete process.env.MULTIPROC_AUTHKEY;
  if (!key && !a.insecure) {
    log(
      'refusing to start: set MULTIPROC_AUTHKEY to the key your programs sign tasks with (never pass it on the command line), or pass --insecure to run unsigned tasks from anyone who can write to this Redis',
    );
    process.exitCode = 2;
    return;
  }
  // Tasks (and their children) reach the same Redis for cluster objects: currentLink() reads these.
  process.env[ENV_URL] = a.redis;
  process.env[ENV_NAME] = a.name;
  process.env[ENV_STALLED] = String(a.stalledTimeout);
  process.env[ENV_CONNECT] = String(a.connectTimeout);
  process.chdir(a.root);

  const [{ Worker }, RedisCtor] = await Promise.all([loadBullMQ(), loadIORedis()]);
  const opts: RedisOptions = { maxRetriesPerRequest: null, retryStrategy: (n: number) => Math.min(50 * 2 ** Math.min(n, 5), 1000) };
  const conn = (): Redis => {
    const c = new RedisCtor(a.redis, opts);
    c.on('error', () => {});
    return c;
  };
  const client = conn();
  const subscriber = conn();
  const pool = new Pool({ processes: a.processes, context: a.context });
  const sender = new ResultSender(client);
  // A batch holds at most a quarter of the jobs held per process, so each process has more waiting.
  const runner = new TaskRunner(pool, a.root, a.processes, () => Math.max(1, Math.floor(worker.concurrency / (a.processes * 2))));
  const running = new Map<string, { ac: TaskCancel; reply: string }>();
  const me: WorkerRecord = {
    id: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    host: hostname(),
    pid: process.pid,
    processes: a.processes,
    running: 0,
    done: 0,
    lastSeen: Date.now(),
  };

  const processor = async (job: { id?: string; data: unknown; stalledCounter?: number }): Promise<void> => {
    const data = job.data as { t?: unknown; h?: unknown } | null;
    if (!data || typeof data !== 'object' || typeof data.t !== 'string' || data.t.length > (MAX_TASK_BYTES / 3) * 4 + 4 || (data.h !== undefined && typeof data.h !== 'string')) {
      log(`dropped job ${String(job.id)}: not a multiproc task`);
      return;
    }
    const bytes = Buffer.from(data.t, 'base64');
    if (key) {
      const mac = typeof data.h === 'string' ? Buffer.from(data.h, 'base64') : undefined;
      if (!mac || !verify(key, bytes, mac)) {
        log(`dropped job ${String(job.id)}: not signed with this worker's key`);
        const reply = replyOf(bytes);
        if (reply && reply.r.startsWith(`${a.name}:r:`) && reply.i === job.id) await sender.send(reply.r, encodeResult(Kind.AUTH, reply.i, new Uint8Array(0), undefined)).written;
        return;
      }
    }
    const parsed = parseTask(bytes);
    if (typeof parsed === 'string') {
      log(`dropped job ${String(job.id)}: ${parsed}`);
      return;
    }
    const { header } = parsed;
    if (header.i !== job.id || !header.r.startsWith(`${a.name}:r:`)) {
      log(`dropped job ${String(job.id)}: its task names another job or reply list`);
      return;
    }
    if ((job.stalledCounter ?? 0) > (header.k ?? 0)) {
      // Its machine stopped answering while it ran, and it has no reruns left: at most once.
      const lost = errors.workerLost('the worker machine running this task stopped answering (within stalledTimeout) and the task has no retries left', {
        exitCode: null,
        signal: null,
      });
      await sender.send(header.r, encodeResult(Kind.ERROR, header.i, encode(lost), key)).written;
      return;
    }
    const ac = new TaskCancel();
    // Taken while others run, or fetched right behind the previous one (no empty fetch since),
    // or a chunk of a map (whose chunks come together): there is a backlog, so hold many at once.
    backlog = running.size > 0 || !drainedSince || header.m !== Mode.APPLY;
    drainedSince = false;
    pace();
    running.set(header.i, { ac, reply: header.r });
    me.running++;
    let kind: number;
    let body: Uint8Array;
    const t0 = performance.now();
    let runMs: number;
    try {
      const out = await runner.run(bytes, header, ac);
      pace();
      kind = out[0]!;
      body = out.subarray(1);
    } catch (e) {
      kind = Kind.ERROR;
      body = encode(e, 'error');
    } finally {
      // Taken from the job to the result on this machine: the submitter's stats() runTime, and
      // (its own elapsed time minus this) waitTime, with no clocks compared across machines.
      runMs = performance.now() - t0;
      running.delete(header.i);
      me.running--;
      me.done++;
    }
    if (ac.aborted) return; // cancelled by its submitter, which has settled it already
    // Completed (by BullMQ, when this returns) only after the result is written: see result-sender.ts.
    await sender.send(header.r, encodeResult(kind, header.i, body, key, runMs)).written;
  };

  // How many jobs to hold at once: two per process while tasks are long (so other machines get
  // their share), many while they are short and queued (so the local pool and the Redis round
  // trips are pipelined, and the batches for the local pool are large: measured on figure 15,
  // 64 per process gave ~1.3x the tasks/s of 16, and 128 no more than 64), and one while short
  // tasks come one at a time: BullMQ then takes the next job only with the completion of the
  // last (moveToFinished), where with more it also asks again at once and finds nothing (an
  // extra script call and a wake-up per task; measured on figure 15(c): 4.4 scripts and 1.5
  // BZPOPMINs per round trip -> 3 and 1).
  let backlog = false;
  /** BullMQ found the queue empty since the last job started. */
  let drainedSince = true;
  const pace = () => {
    const want = !runner.short ? a.processes * 2 : backlog ? a.processes * 64 : 1;
    if (worker.concurrency !== want) worker.concurrency = want;
  };
  const lockDuration = Math.max(500, Math.floor(a.stalledTimeout / 2));
  // The client results are pushed on: a job is completed on the connection its result went out on.
  const worker = new Worker(a.name, processor, {
    connection: client,
    prefix: a.name,
    concurrency: a.processes * 2,
    autorun: false,
    lockDuration,
    stalledInterval: Math.max(250, Math.floor(a.stalledTimeout / 4)),
    maxStalledCount: 1e9,
    // Jobs written by others without removal options go too: nothing finished stays in Redis.
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
  });
  worker.on('drained', () => {
    drainedSince = true;
    // Nothing left in the queue and nothing running here: the next task comes alone.
    if (running.size === 0) {
      backlog = false;
      pace();
    }
  });
  worker.on('error', (e: Error) => {
    if (!/Connection is closed|ECONNREFUSED|ECONNRESET/.test(e.message)) log(`queue error: ${e.message}`);
  });

  // Redis away longer than connectTimeout: every submitter has given up on its tasks
  // (ERR_CLUSTER_UNAVAILABLE), so the running ones are stopped too and the pool is free for
  // the work that comes once Redis is back.
  let away: NodeJS.Timeout | undefined;
  client.on('close', () => {
    away ??= setTimeout(() => {
      for (const r of running.values()) r.ac.abort(new Error('Redis was unreachable for longer than connectTimeout'));
    }, a.connectTimeout);
  });
  client.on('ready', () => {
    if (away) {
      clearTimeout(away);
      away = undefined;
    }
  });

  await subscriber.subscribe(cancelChannel(a.name));
  subscriber.on('message', (_channel: string, message: string) => {
    if (message.length > 10_000_000) return;
    let ids: unknown;
    try {
      ids = JSON.parse(message);
    } catch {
      return;
    }
    if (!Array.isArray(ids)) return;
    for (const id of ids) if (typeof id === 'string') running.get(id)?.ac.abort(new Error('cancelled by its submitter'));
  });

  const beat = async () => {
    me.lastSeen = Date.now();
    try {
      await writeWorker(client, a.name, me, a.stalledTimeout);
    } catch {
      /* Redis away: the next beat tries again */
    }
  };
  await beat();
  const heartbeat = setInterval(() => void beat(), Math.max(250, Math.floor(a.stalledTimeout / 4)));

  let stopping = 0;
  const finish = async (code: number) => {
    clearInterval(heartbeat);
    try {
      await Promise.race([removeWorker(client, a.name, me.id), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      /* gone with Redis */
    }
    client.disconnect();
    subscriber.disconnect();
    process.exit(code);
  };
  const onSignal = (sig: string) => {
    stopping++;
    if (stopping === 1) {
      log(`${sig}: draining (running tasks finish, no new ones); a second signal stops at once`);
      void (async () => {
        await worker.close();
        pool.close();
        await pool.join();
        await finish(0);
      })();
      return;
    }
    log(`${sig}: stopping now`);
    void (async () => {
      const lost = encode(errors.workerLost('the worker was stopped while this task ran', { exitCode: null, signal: sig }));
      const notices = [...running].map(([id, r]) => [id, r.reply] as const);
      for (const r of running.values()) r.ac.abort();
      running.clear();
      void pool.terminate();
      await Promise.race([Promise.all(notices.map(([id, reply]) => sender.send(reply, encodeResult(Kind.ERROR, id, lost, key)).stored)), new Promise((r) => setTimeout(r, 1000))]);
      await finish(1);
    })();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  void worker.run().catch((e: unknown) => log(`stopped taking tasks: ${e instanceof Error ? e.message : String(e)}`));
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
}
