// The shutdown matrix: close()+join(), terminate(), join() without close, and dispose, each
// called twice, while the pool is idle, mid-map, mid-imap, with queued work, and with a worker
// stuck in synchronous code; and process.exit() in a program mid-work. Nothing hangs, every
// pending promise settles (results exact, or ERR_POOL_TERMINATED), no unhandled rejection.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'multiproc';
import * as t from './fixtures/shutdown-tasks.ts';
import { contexts, within, sleep, goneWithin } from './helpers.ts';

type State = 'idle' | 'mid-map' | 'mid-imap' | 'queued' | 'stuck';
type Action = 'close+join' | 'terminate' | 'join' | 'dispose';
const states: State[] = ['idle', 'mid-map', 'mid-imap', 'queued', 'stuck'];
const actions: Action[] = ['close+join', 'terminate', 'join', 'dispose'];

interface Pending {
  what: string;
  promise: Promise<unknown>;
  expect: unknown;
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => {
  unhandled.push(e);
};

/** Starts the work of `state` on `pool`; returns what is pending and what each should give. */
async function startWork(pool: Pool, state: State): Promise<Pending[]> {
  const xs = Array.from({ length: 12 }, (_, i) => i);
  const want = xs.map((x) => x + 1);
  switch (state) {
    case 'idle':
      await pool.map(t.inc, [1, 2]);
      return [];
    case 'mid-map':
      return [{ what: 'map', promise: pool.map(t.slowInc, xs, { chunksize: 1 }), expect: want }];
    case 'mid-imap': {
      const it = pool.imap(t.slowInc, xs);
      const first = await it.next();
      assert.equal(first.value, 1);
      const rest = (async () => {
        const out = [first.value as number];
        for await (const v of it) out.push(v);
        return out;
      })();
      return [{ what: 'imap', promise: rest, expect: want }];
    }
    case 'queued':
      // Far more tasks than workers: most are still queued in the parent.
      return xs.map((x) => ({ what: `apply ${x}`, promise: pool.apply(t.slowInc, [x, 50]), expect: x + 1 }));
    case 'stuck': {
      const stuck = pool.apply(t.spin, []);
      await sleep(100);
      return [
        { what: 'spin', promise: stuck, expect: 'ERR_POOL_TERMINATED' },
        { what: 'apply after', promise: pool.apply(t.inc, [1]), expect: 2 },
      ];
    }
  }
}

/** Waits for every pending promise: each resolves with its result or rejects with ERR_POOL_TERMINATED. */
async function allSettle(pending: Pending[], terminated: boolean): Promise<void> {
  const outcomes = await within(30_000, Promise.allSettled(pending.map((p) => p.promise)), 'pending work');
  outcomes.forEach((o, i) => {
    const p = pending[i]!;
    if (o.status === 'fulfilled') {
      assert.notEqual(p.expect, 'ERR_POOL_TERMINATED', `${p.what} resolved though it could not finish`);
      assert.deepEqual(o.value, p.expect, p.what);
    } else {
      assert.ok(terminated, `${p.what} rejected without terminate(): ${String(o.reason)}`);
      assert.equal((o.reason as { code?: string }).code, 'ERR_POOL_TERMINATED', `${p.what}: ${String(o.reason)}`);
    }
  });
}

/** True if `p` is still pending after `ms`. */
async function stillPending(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await sleep(ms);
  return !settled;
}

before(() => {
  process.on('unhandledRejection', onUnhandled);
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
});

for (const context of contexts) {
  describe(`shutdown matrix (${context})`, () => {
    for (const state of states) {
      for (const action of actions) {
        it(`${action} twice while ${state}`, async () => {
          const pool = new Pool({ processes: 2, context });
          try {
            const pending = await startWork(pool, state);
            // Like a program that awaits them later: observed now, so only the library's own
            // promises could show up as unhandled rejections.
            for (const p of pending) p.promise.catch(() => {});
            const stuck = state === 'stuck';
            switch (action) {
              case 'close+join': {
                pool.close();
                pool.close();
                const joined = [pool.join(), pool.join()];
                if (stuck) {
                  // join() waits for the stuck task, as CPython's does; terminate() ends the wait.
                  assert.ok(await stillPending(Promise.all(joined), 400), 'join() returned while a task still ran');
                  await within(20_000, pool.terminate());
                }
                await within(30_000, Promise.all(joined), 'join');
                await allSettle(pending, stuck);
                break;
              }
              case 'terminate':
                await within(20_000, Promise.all([pool.terminate(), pool.terminate()]), 'terminate');
                await within(20_000, pool.join(), 'join after terminate');
                await allSettle(pending, true);
                break;
              case 'join':
                assert.throws(() => pool.join(), { code: 'ERR_POOL_RUNNING' });
                assert.throws(() => pool.join(), { code: 'ERR_POOL_RUNNING' });
                await within(20_000, pool.terminate());
                await allSettle(pending, true);
                break;
              case 'dispose': {
                const disposed = [pool[Symbol.asyncDispose](), pool[Symbol.asyncDispose]()];
                if (stuck) {
                  assert.ok(await stillPending(Promise.all(disposed), 400), 'dispose returned while a task still ran');
                  await within(20_000, pool.terminate());
                }
                await within(30_000, Promise.all(disposed), 'dispose');
                await allSettle(pending, stuck);
                break;
              }
            }
            // A call after the end is refused at once, never left pending.
            assert.throws(() => pool.apply(t.inc, [1]), { code: 'ERR_POOL_NOT_RUNNING' });
            await sleep(20);
            assert.deepEqual(unhandled, [], 'unhandled rejections');
          } finally {
            await pool.terminate();
          }
        });
      }
    }
  });
}

describe('process.exit() in the parent mid-work', () => {
  const dir = fileURLToPath(new URL('./programs/', import.meta.url));
  for (const context of contexts) {
    for (const state of ['idle', 'mid-map', 'mid-imap', 'queued', 'stuck'] as const) {
      it(`${context}, ${state}: the program exits with its code at once and leaves no worker`, async () => {
        const program = spawn(process.execPath, ['--import', 'tsx', 'exit-mid-work.ts', context, state], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        program.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
        });
        const code = await within(60_000, new Promise<number | null>((r) => program.once('exit', (c) => r(c))), 'program exit');
        assert.equal(code, 7, out);
        const { pids } = JSON.parse(out.trim().split('\n')[0]!) as { pids: number[] };
        if (context === 'process') {
          assert.ok(pids.length >= 1);
          for (const pid of pids) assert.ok(await goneWithin(pid, 1500), `worker ${pid} outlived the program`);
        }
      });
    }
  }
});
