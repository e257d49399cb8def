// The `multiproc worker` and `multiproc status` commands against a private redis-server: the
// trust model (no key: refuses to start; wrong key: AuthenticationError in the submitter and
// the task never runs; garbage and one-byte-changed jobs written with BullMQ directly are
// dropped with a log line, run nothing, and the worker keeps serving), SIGTERM drains and a
// second signal stops at once, status lists the workers, and 2,000 tasks leave a handful of keys.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue as BullQueue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedis, redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { makeMachine, startWorker, BIN, FIXTURES, type WorkerHandle } from './support/cluster-machines.js';
import { rejection, within, sleep } from './helpers.js';
import { getContext, AuthenticationError, WorkerLostError, type ClusterContext } from '../dist/esm/index.js';
import { encodeTask, sign } from '../dist/esm/internal.js';
import { authKeyInEnv, machine, markAndSleep, sleepFor, square } from './fixtures/cluster/tasks.mjs';

const skip = redisUnavailable();
const KEY = 'worker-test-key';

async function keysUnder(redis: Redis, name: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [c, batch] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
    cursor = c;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

describe('multiproc worker', { skip }, () => {
  let redis: RedisHandle;
  let raw: Redis;
  const machines: { dir: string; remove(): void }[] = [];
  const workers: WorkerHandle[] = [];
  const contexts: ClusterContext[] = [];
  const ctx = (name: string, authKey: string | undefined) => {
    const c = getContext('cluster', { redis: redis.url, name, authKey, root: FIXTURES, stalledTimeout: 4000, connectTimeout: 4000 });
    contexts.push(c);
    return c;
  };

  before(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
    machines.push(makeMachine('w1'), makeMachine('w2'));
    workers.push(await startWorker({ redis: redis.url, name: 'trust', dir: machines[0]!.dir, machine: 'w1', key: KEY }));
  });
  after(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await Promise.all(workers.map((w) => w.stop()));
    raw?.disconnect();
    for (const m of machines) m.remove();
    await redis?.stop();
  });

  it('refuses to start without MULTIPROC_AUTHKEY unless --insecure, and never takes the key from argv', async () => {
    const noKey = await startWorker({ redis: redis.url, name: 'nokey', dir: machines[1]!.dir, machine: 'x', waitReady: false });
    const exit = await within(30_000, noKey.exited);
    assert.equal(exit.code, 2);
    assert.match(noKey.output(), /MULTIPROC_AUTHKEY/);
    const argv = spawnSync(process.execPath, [BIN, 'worker', '--redis', redis.url, '--authkey', 'k'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(argv.status, 2);
    assert.match(argv.stderr, /MULTIPROC_AUTHKEY/);
    const insecure = await startWorker({ redis: redis.url, name: 'insecure', dir: machines[1]!.dir, machine: 'w2', insecure: true });
    workers.push(insecure);
    await using pool = new (ctx('insecure', undefined).Pool)();
    assert.equal(await within(30_000, pool.apply(square, [5])), 25);
  });

  it('a task signed with another key (or unsigned) rejects with AuthenticationError and never runs', async () => {
    const marker = path.join(machines[0]!.dir, 'wrong-key.txt');
    await using wrong = new (ctx('trust', 'not-the-key').Pool)();
    const e = await rejection(wrong.apply(markAndSleep, [marker, 0]), 30_000);
    assert.ok(e instanceof AuthenticationError, `got ${e?.name}: ${e?.message}`);
    await using unsigned = new (ctx('trust', undefined).Pool)();
    assert.ok((await rejection(unsigned.apply(markAndSleep, [marker, 0]), 30_000)) instanceof AuthenticationError);
    assert.equal(existsSync(marker), false, 'the wrongly signed task ran');
    assert.match(workers[0]!.output(), /dropped job .*not signed/);
    await using right = new (ctx('trust', KEY).Pool)();
    assert.equal(await within(30_000, right.apply(square, [6])), 36);
    assert.equal(await within(30_000, right.apply(authKeyInEnv, [])), null, "a task can read the worker's key");
  });

  it('garbage and one-byte-changed jobs written with BullMQ are dropped with a log line; the worker keeps serving', async () => {
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new BullQueue('trust', { connection: conn, prefix: 'trust' });
    const marker = path.join(machines[0]!.dir, 'forged.txt');
    const before = (workers[0]!.output().match(/dropped job/g) ?? []).length;
    // A real task for markAndSleep, signed with the right key, then changed by one byte.
    const header = { i: 'forged-1', r: 'trust:r:forger', m: 0, f: { p: 'tasks.mjs', e: 'markAndSleep', n: 'markAndSleep' } };
    const { encode } = await import('../dist/esm/internal.js');
    const bytes = encodeTask(header, encode([marker, 0]));
    const mac = sign(Buffer.from(KEY), bytes)!;
    const changed = Buffer.from(bytes);
    changed[changed.length - 3]! ^= 1;
    const jobs: { data: unknown; id: string }[] = [
      { id: 'forged-1', data: { t: changed.toString('base64'), h: mac.toString('base64') } },
      { id: 'g1', data: { t: 'not base64 at all !!!', h: 'x' } },
      { id: 'g2', data: 'a string' },
      { id: 'g3', data: { t: Buffer.from('MPT1\xff\xff\xff\xff{').toString('base64') } },
      { id: 'g4', data: { nothing: true } },
      { id: 'g5', data: { t: Buffer.from('MPT1garbage garbage').toString('base64'), h: mac.toString('base64') } },
    ];
    for (const j of jobs) await q.add('task', j.data, { jobId: j.id, removeOnComplete: true, removeOnFail: true });
    const end = Date.now() + 30_000;
    while ((workers[0]!.output().match(/dropped job/g) ?? []).length < before + jobs.length && Date.now() < end) await sleep(100);
    assert.equal((workers[0]!.output().match(/dropped job/g) ?? []).length, before + jobs.length, workers[0]!.output());
    assert.equal(existsSync(marker), false, 'a forged task ran');
    // The same task, correctly signed, does run: the drop above was the signature's doing.
    await q.add('task', { t: bytes.toString('base64'), h: mac.toString('base64') }, { jobId: 'forged-1', removeOnComplete: true });
    await using pool = new (ctx('trust', KEY).Pool)();
    assert.equal(await within(30_000, pool.apply(square, [9])), 81);
    const w = await within(
      30_000,
      (async () => {
        while (!existsSync(marker)) await sleep(100);
        return readFileSync(marker, 'utf8');
      })(),
    );
    assert.match(w, /^w1 /);
    await raw.del('trust:r:forger');
    await q.close();
    conn.disconnect();
  });

  it('status lists the workers (table and --json)', async () => {
    const json = spawnSync(process.execPath, [BIN, 'status', '--redis', redis.url, '--name', 'trust', '--json'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(json.status, 0, json.stderr);
    const s = JSON.parse(json.stdout) as { workers: { pid: number; processes: number }[]; tasks: Record<string, number> };
    assert.deepEqual(
      s.workers.map((w) => w.pid),
      [workers[0]!.pid],
    );
    assert.equal(s.workers[0]!.processes, 2);
    assert.equal(typeof s.tasks.waiting, 'number');
    const table = spawnSync(process.execPath, [BIN, 'status', '--redis', redis.url, '--name', 'trust'], { encoding: 'utf8', timeout: 30_000 });
    assert.match(table.stdout, new RegExp(`\\b${workers[0]!.pid}\\b`));
  });

  it('2,000 tasks leave a handful of keys under NAME:', async () => {
    const c = ctx('trust', KEY);
    await using pool = new c.Pool();
    const xs = Array.from({ length: 2000 }, (_, i) => i);
    const out = await within(120_000, Promise.all(xs.map((x) => pool.apply(square, [x]))));
    assert.deepEqual(out.slice(0, 3), [0, 1, 4]);
    await within(30_000, pool.map(square, xs, { chunksize: 1 }));
    // A result reaches the program just before its worker tells BullMQ the job is done (and
    // removed): the last few jobs may still be finishing. They must be gone within seconds.
    let keys = await keysUnder(raw, 'trust');
    for (const end = Date.now() + 20_000; keys.length > 10 && Date.now() < end; keys = await keysUnder(raw, 'trust')) await sleep(250);
    assert.ok(keys.length <= 10, `keys under trust: ${keys.join(', ')}`);
  });

  it('SIGTERM drains: the running task finishes, no new task is taken, exit 0; a second signal stops at once', async () => {
    const w = await startWorker({ redis: redis.url, name: 'drain', dir: machines[1]!.dir, machine: 'w2', key: KEY });
    workers.push(w);
    const c = ctx('drain', KEY);
    await using pool = new c.Pool();
    const running = pool.apply(sleepFor, [2500]);
    await sleep(1000);
    w.child.kill('SIGTERM');
    await sleep(300);
    const late = pool.apply(machine, [], { timeout: 5000 });
    assert.equal(await within(30_000, running), 2500);
    assert.deepEqual(await within(30_000, w.exited), { code: 0, signal: null });
    assert.equal((await rejection(late, 30_000)).name, 'TimeoutError', 'a task taken after SIGTERM');
    const w2 = await startWorker({ redis: redis.url, name: 'drain', dir: machines[1]!.dir, machine: 'w2', key: KEY });
    workers.push(w2);
    const long = pool.apply(sleepFor, [60_000]);
    await sleep(1500);
    w2.child.kill('SIGTERM');
    await sleep(200);
    w2.child.kill('SIGTERM');
    const e = await rejection(long, 20_000);
    assert.ok(e instanceof WorkerLostError, `got ${e?.name}: ${e?.message}`);
    assert.notEqual((await within(20_000, w2.exited)).code, 0);
  });
});
