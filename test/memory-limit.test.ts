// maxMemoryPerWorker: a heap limit per worker, in both contexts. A task past it rejects with
// WorkerLostError ERR_WORKER_OUT_OF_MEMORY and the pool goes on; a Process past it reports it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pool, Process, WorkerLostError } from 'multiproc';
import * as f from './fixtures/faults.mjs';
import { contexts, within, rejection } from './helpers.ts';

for (const context of contexts) {
  describe(`maxMemoryPerWorker (${context})`, () => {
    it('a task past the limit rejects with ERR_WORKER_OUT_OF_MEMORY; the same pool then runs normal tasks', async () => {
      const pool = new Pool({ processes: 1, context, maxMemoryPerWorker: 64 });
      try {
        const e = await rejection(pool.apply(f.hog, []), 60_000);
        assert.ok(e instanceof WorkerLostError, String(e));
        assert.equal(e.code, 'ERR_WORKER_OUT_OF_MEMORY');
        assert.match(e.message, /out of memory/);
        assert.match(e.message, /maxMemoryPerWorker/);
        if (context === 'process') assert.equal(e.signal, 'SIGABRT');
        assert.equal(typeof e.exitCode, 'number');
        // Well under the limit: fine, on the replacement worker.
        assert.equal(await within(30_000, pool.apply(f.allocate, [16])), 2);
        assert.deepEqual(await within(30_000, pool.map(f.tiny, [1, 2])), [f.tinyResult(1), f.tinyResult(2)]);
        // With retries it is run again, and dies again: still out of memory, never a hang.
        const again = await rejection(pool.apply(f.hog, [], { retries: 1 }), 60_000);
        assert.equal(again.code, 'ERR_WORKER_OUT_OF_MEMORY');
      } finally {
        await pool.terminate();
      }
    });

    it('a Process past the limit ends with an out-of-memory error; the parent is unharmed', async () => {
      const p = new Process({ target: f.hogProcess, context, maxMemoryPerWorker: 64 });
      p.start();
      await within(60_000, p.join());
      assert.notEqual(p.exitCode, 0);
      if (context === 'process')
        assert.equal(p.exitCode, -6); // SIGABRT from V8's fatal-error handler
      else assert.equal(p.exitCode, 1);
      const e = p.error as WorkerLostError;
      assert.ok(e instanceof WorkerLostError, String(e));
      assert.equal(e.code, 'ERR_WORKER_OUT_OF_MEMORY');
      assert.match(e.message, /64 MB/);
      const ok = new Process({ target: f.allocate, args: [16], context, maxMemoryPerWorker: 64 });
      ok.start();
      await within(30_000, ok.join());
      assert.equal(ok.exitCode, 0);
      assert.equal(ok.error, undefined);
    });

    it('without a limit a normal exit is not taken for out of memory', async () => {
      const p = new Process({ target: f.exitWith, args: [3], context });
      p.start();
      await within(30_000, p.join());
      assert.equal(p.exitCode, 3);
      assert.equal(p.error, undefined);
    });

    it('no maxMemoryPerWorker, a program run with --max-old-space-size=64: the child still reports out of memory (and threads start despite the V8 flag)', async () => {
      // A report directory left by a SIGKILLed program (its pid is gone) is swept by the next one.
      const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
      const stale = `/dev/shm/multiproc-fatal-${deadPid}-test${context}`;
      if (context === 'process' && existsSync('/dev/shm')) mkdirSync(stale, { recursive: true });
      const program = fileURLToPath(new URL('./programs/oom-default.mjs', import.meta.url));
      const out = await within(
        60_000,
        new Promise<{ code: number | null; stdout: string; stderr: string; pid: number }>((resolve) => {
          const child = spawn(process.execPath, ['--max-old-space-size=64', program, context], { stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => {
            stdout += d;
          });
          child.stderr.on('data', (d: Buffer) => {
            stderr += d;
          });
          child.on('close', (code) => resolve({ code, stdout, stderr, pid: child.pid! }));
        }),
        'the program',
      );
      assert.equal(out.code, 0, out.stderr.slice(-3000));
      const r = JSON.parse(out.stdout.trim()) as { exitCode: number; code: string; name: string };
      assert.deepEqual(r, { exitCode: context === 'process' ? -6 : 1, code: 'ERR_WORKER_OUT_OF_MEMORY', name: 'WorkerLostError' });
      if (context === 'process' && existsSync('/dev/shm')) {
        assert.equal(existsSync(stale), false, 'the stale report directory was removed');
        const own = readdirSync('/dev/shm').filter((n) => n.startsWith(`multiproc-fatal-${out.pid}-`));
        assert.deepEqual(own, [], 'the program removed its own report directory at exit');
      }
    });

    it('validates maxMemoryPerWorker: a positive number of MB', () => {
      for (const bad of [0, -1, NaN, Infinity, '64']) {
        assert.throws(() => new Pool({ processes: 1, context, maxMemoryPerWorker: bad as never }), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
        assert.throws(() => new Process({ target: f.tiny, context, maxMemoryPerWorker: bad as never }), { code: 'ERR_OUT_OF_RANGE' });
      }
    });
  });
}
