// The cluster Pool against a private redis-server and two real `multiproc worker` "machines"
// (two temp folders, each with its own copy of test/fixtures/cluster; m1 runs tasks in child
// processes, m2 in worker threads): every Pool method, both machines used, errors with their
// class/code/fields/cause/remote stack, refusals at the call, timeout, abort, terminate,
// cluster.Process, and a cluster object passed into a task.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { FIXTURES, useCluster } from './support/cluster-machines.js';
import { rejection, within, sleep } from './helpers.js';
import { getContext, Queue, TimeoutError, type ClusterContext } from '../dist/esm/index.js';
import { add, fail, failOdd, identity, machine, machineAfter, putInto, sleepFor, square, TaskError } from './fixtures/cluster/tasks.mjs';

const skip = redisUnavailable();
const KEY = 'cluster-pool-test-key';

describe('cluster Pool', { skip }, () => {
  const setup = useCluster({
    name: 'pooltest',
    key: KEY,
    machines: [
      { label: 'm1', context: 'process' },
      { label: 'm2', context: 'thread' },
    ],
  });
  let redis: RedisHandle;
  let cluster: ClusterContext;
  before(() => {
    ({ redis, cluster } = setup);
  });

  it('apply, applyAsync with callbacks, starmap and starmapAsync', async () => {
    const pool = new cluster.Pool();
    assert.equal(await within(30_000, pool.apply(square, [7])), 49);
    let called: unknown;
    const r = pool.applyAsync(add, [2, 3], {
      callback: (v) => {
        called = v;
      },
    });
    assert.equal(await within(30_000, r.get()), 5);
    assert.equal(called, 5);
    assert.equal(r.successful(), true);
    assert.deepEqual(
      await within(
        30_000,
        pool.starmap(add, [
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
      ),
      [3, 7, 11],
    );
    assert.deepEqual(await within(30_000, pool.starmapAsync(add, [[10, 1]]).get()), [11]);
    pool.close();
    await within(10_000, pool.join());
  });

  it('map and mapAsync keep input order with the default chunksize; both machines take tasks', async () => {
    await using pool = new cluster.Pool();
    const xs = Array.from({ length: 2000 }, (_, i) => i);
    assert.deepEqual(
      await within(60_000, pool.map(square, xs)),
      xs.map((x) => x * x),
    );
    assert.deepEqual(await within(30_000, pool.mapAsync(square, new Set([3, 4])).get()), [9, 16]);
    async function* gen() {
      for (let i = 0; i < 5; i++) yield i;
    }
    assert.deepEqual(await within(30_000, pool.map(square, gen())), [0, 1, 4, 9, 16]);
    const seen = await within(
      60_000,
      pool.map(
        machineAfter,
        Array.from({ length: 16 }, () => 300),
        { chunksize: 1 },
      ),
    );
    const where = new Set(seen.map((s) => s.machine));
    assert.deepEqual([...where].sort(), ['m1', 'm2'], `tasks ran on ${[...where].join(', ')}`);
    assert.ok(pool.processes >= 4, `pool.processes counts the live workers' processes, got ${pool.processes}`);
  });

  it('imap and imapUnordered are lazy and bounded; a failing item rejects at its position and iteration goes on', async () => {
    await using pool = new cluster.Pool();
    let read = 0;
    function* endless() {
      for (let i = 0; ; i++) {
        read++;
        yield i;
      }
    }
    const got: number[] = [];
    for await (const v of pool.imap(square, endless())) {
      got.push(v);
      if (got.length === 10) break;
    }
    assert.deepEqual(got, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    assert.ok(read < 200, `imap read ${read} items ahead of 10 consumed`);
    const it = pool.imap(failOdd, [0, 1, 2], { chunksize: 1 });
    assert.deepEqual(await it.next(), { value: 0, done: false });
    const e = await rejection(it.next(), 30_000);
    assert.equal(e.message, 'odd 1');
    assert.deepEqual(await it.next(), { value: 2, done: false });
    const un: number[] = [];
    for await (const v of pool.imapUnordered(square, [1, 2, 3, 4], { chunksize: 2 })) un.push(v);
    assert.deepEqual(
      un.sort((a, b) => a - b),
      [1, 4, 9, 16],
    );
  });

  it('errors keep their class, message, code, fields, cause and remote stack', async () => {
    await using pool = new cluster.Pool();
    const e = await rejection(pool.apply(fail, ['it broke']), 30_000);
    assert.ok(e instanceof TaskError, `got ${e?.constructor?.name}`);
    assert.equal(e.message, 'it broke');
    assert.equal(e.code, 'E_TASK');
    assert.deepEqual(e.detail, { n: 42 });
    assert.ok(e.cause instanceof RangeError);
    assert.match(String(e.stack), /tasks\.mjs/);
    let reported: unknown;
    const r = pool.applyAsync(fail, ['via callback'], {
      errorCallback: (err) => {
        reported = err;
      },
    });
    await within(30_000, r.wait());
    assert.equal(r.successful(), false);
    assert.ok(reported instanceof TaskError && reported.message === 'via callback');
    const m = await rejection(pool.map(failOdd, [0, 2, 3, 4]), 30_000);
    assert.equal(m.code, 'E_ODD');
    assert.deepEqual(m.detail, { x: 3 });
  });

  it('refuses at the call: a function outside root, local shared objects, unsupported factories, misuse', async () => {
    const pool = new cluster.Pool();
    assert.throws(() => pool.apply(sleep, [1]), { code: 'ERR_NOT_TRANSFERABLE', message: /outside the cluster root/ });
    const q = new Queue();
    assert.throws(() => pool.apply(identity, [q]), { code: 'ERR_NOT_TRANSFERABLE', message: /cluster/ });
    assert.throws(() => pool.map(identity, [1, q]), { code: 'ERR_NOT_TRANSFERABLE' });
    q.close();
    assert.throws(() => pool.apply(identity, [() => 1]), { code: 'ERR_NOT_TRANSFERABLE' });
    for (const f of ['Value', 'SharedArray', 'SharedMemory', 'Pipe', 'RawValue', 'RawArray', 'ShareableList'] as const) {
      assert.throws(() => (cluster[f] as unknown as (...a: unknown[]) => unknown)('i', 1), { code: 'ERR_NOT_SUPPORTED_IN_CONTEXT' }, f);
    }
    assert.throws(() => pool.join(), { code: 'ERR_POOL_RUNNING' });
    pool.close();
    assert.throws(() => pool.apply(square, [1]), { code: 'ERR_POOL_NOT_RUNNING' });
    await within(10_000, pool.join());
    assert.throws(() => getContext('cluster', { redis: 'http://x' }), { code: 'ERR_INVALID_ARG_VALUE' });
    const opts = { redis: redis.url, name: 'other', root: FIXTURES };
    assert.equal(getContext('cluster', opts), getContext('cluster', opts), 'one context per options object');
    {
      await using other = getContext('cluster', opts);
      await using p2 = new other.Pool();
      assert.equal(
        await within(
          10_000,
          p2.apply(square, [2], { timeout: 1000 }).catch((e: Error) => e.name),
        ),
        'TimeoutError',
        'no worker serves cluster "other"',
      );
    }
  });

  it('timeout stops the task on its worker and rejects with TimeoutError; the pool goes on', async () => {
    await using pool = new cluster.Pool();
    const t0 = Date.now();
    const e = await rejection(pool.apply(sleepFor, [60_000], { timeout: 1500 }), 30_000);
    assert.ok(e instanceof TimeoutError, `got ${e?.name}: ${e?.message}`);
    assert.ok(Date.now() - t0 < 20_000);
    assert.equal(await within(30_000, pool.apply(square, [3])), 9);
  });

  it('an aborted signal rejects with its reason, before and while the task runs', async () => {
    await using pool = new cluster.Pool();
    const ac = new AbortController();
    const p = pool.apply(sleepFor, [60_000], { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop it')), 1000);
    assert.equal((await rejection(p, 20_000)).message, 'stop it');
    const gone = AbortSignal.abort(new Error('already'));
    assert.equal((await rejection(pool.apply(square, [1], { signal: gone }), 5000)).message, 'already');
    assert.equal(await within(30_000, pool.apply(square, [4])), 16);
  });

  it('terminate rejects what is pending with ERR_POOL_TERMINATED', async () => {
    const pool = new cluster.Pool();
    const running = pool.apply(sleepFor, [60_000]);
    const mapped = pool.map(sleepFor, [60_000, 60_000], { chunksize: 1 });
    const errors = [rejection(running, 30_000), rejection(mapped, 30_000)];
    await sleep(1000);
    await within(20_000, pool.terminate());
    for (const e of await Promise.all(errors)) assert.equal(e.code, 'ERR_POOL_TERMINATED');
    await within(10_000, pool.join());
  });

  it('cluster.Process runs a target on a worker; a cluster Queue passes into a task by reference', async () => {
    const p = new cluster.Process({ target: machine, args: [] });
    p.start();
    await within(30_000, p.join());
    assert.equal(p.exitCode, 0);
    assert.match(String(p.result), /^m[12]$/);
    const bad = new cluster.Process({ target: fail, args: ['x'] });
    bad.start();
    await within(30_000, bad.join());
    assert.equal(bad.exitCode, 1);
    assert.equal((bad.error as Error).message, 'x');
    const long = new cluster.Process({ target: sleepFor, args: [60_000] });
    long.start();
    assert.equal(long.isAlive(), true);
    await sleep(500);
    long.terminate();
    await within(10_000, long.join());
    assert.equal(long.exitCode, -15);
    assert.equal(long.isAlive(), false);
    await using pool = new cluster.Pool();
    const q = new cluster.Queue<string>();
    assert.equal(await within(30_000, pool.apply(putInto, [q, 'from a task'])), true);
    assert.equal(await within(10_000, q.get()), 'from a task');
  });

  it('workers() lists both machines', async () => {
    const ws = await within(10_000, cluster.workers());
    assert.equal(ws.length, 2);
    assert.deepEqual(
      ws.map((w) => w.processes),
      [2, 2],
    );
    for (const w of ws) assert.ok(Date.now() - w.lastSeen < 15_000);
  });
});

describe('cluster context without bullmq and ioredis', () => {
  it("getContext('cluster') throws ERR_CLUSTER_DEPENDENCY saying what to install; the local contexts need neither", (t) => {
    // An installation of multiproc with its own dependencies only (no bullmq, no ioredis).
    const repo = path.resolve(import.meta.dirname, '..');
    // A folder none of whose parents has a node_modules with bullmq in it (tmpdir() may).
    const base = ['/var/tmp', tmpdir()].find((d) => !existsSync(path.join(d, 'node_modules')) && !existsSync(path.join(path.dirname(d), 'node_modules')));
    if (!base) {
      t.skip('no temp folder without a node_modules above it');
      return;
    }
    const dir = mkdtempSync(path.join(base, 'mp-nodeps-'));
    try {
      const pkg = path.join(dir, 'node_modules', 'multiproc');
      mkdirSync(pkg, { recursive: true });
      cpSync(path.join(repo, 'dist'), path.join(pkg, 'dist'), { recursive: true });
      cpSync(path.join(repo, 'package.json'), path.join(pkg, 'package.json'));
      for (const dep of ['msgpackr', 'acorn']) symlinkSync(path.join(repo, 'node_modules', dep), path.join(dir, 'node_modules', dep));
      const script =
        "import('multiproc').then(async (m) => {" +
        ' const pool = new m.Pool(1); console.log(await pool.apply((x) => -x, [-3])); await pool.terminate();' +
        " try { m.getContext('cluster', { redis: 'redis://127.0.0.1:1' }); console.log('no error'); } catch (e) { console.log(e.code, e.message); } })";
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.match(out, /^3\nERR_CLUSTER_DEPENDENCY .*npm install bullmq ioredis/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
