// Figure 5: CPU-bound work, 40 tasks of ~20 ms each (`spin`, calibrated here to 20 ms of
// fixed work, not a wall-clock wait), `pool.map(spin, tasks, { chunksize: 1 })` on Pool(1)
// and Pool(2), same function. Both pools stay up and their maps alternate (1, 2, 1, 2, ...)
// so that load from elsewhere on the machine hits both alike. Samples: ms per map.
// raw_cpu_2_ms: the same 40 tasks run by two bare worker_threads (20 each), interleaved with
// the maps: the parallelism the machine actually offered at that moment (other work on a
// shared 2-core machine takes a core away from both).
import { spin } from '../tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout, calibrateSpin, errMessage } from '../lib.ts';
import { loadMultiproc, makePool, shutdown, type MP } from './common.ts';
import { Worker } from 'node:worker_threads';

const rawWorkerSource = `
const { parentPort } = require('node:worker_threads');
${spin.toString()}
parentPort.on('message', ({ n, count }) => { let x = 0; for (let i = 0; i < count; i++) x ^= spin(n); parentPort.postMessage(x); });
`;

/** Two bare worker_threads running `spin` (the same source), 20 tasks each. */
async function rawPair() {
  const ws = [0, 1].map(() => new Worker(rawWorkerSource, { eval: true }));
  const run = (n: number, count: number) =>
    Promise.all(
      ws.map(
        (w) =>
          new Promise((res) => {
            w.once('message', res);
            w.postMessage({ n, count });
          }),
      ),
    );
  return { run, close: () => Promise.all(ws.map((w) => w.terminate())) };
}

const context = arg('context', 'process');
const reps = intArg('reps', 3);
const { mp, loadError } = await loadMultiproc();

if (!mp || mp.isMainEntry(import.meta.url)) {
  const spinN = calibrateSpin(spin, 20);
  const tasks = new Array(40).fill(spinN);
  const expected = spin(spinN);
  const pools: MP[] = [];
  const raw = await rawPair();
  await raw.run(spinN >> 2, 4);
  const extra: Record<string, unknown> = { context, spinN, mpError: loadError };
  await runMeasurements(
    [
      [
        'cpu',
        async () => {
          if (loadError) throw new Error(loadError);
          const out: Record<string, number[]> = { mp_cpu_1_ms: [], mp_cpu_2_ms: [], raw_cpu_2_ms: [] };
          try {
            for (const workers of [1, 2]) {
              const pool = makePool(mp, workers, context);
              pools.push(pool);
              // Warm-up: every worker up and `spin` optimised.
              await withTimeout(pool.map(spin, new Array(4 * workers).fill(spinN >> 2), { chunksize: 1 }), 30_000, `Pool(${workers}) warm-up map`);
            }
            for (let i = 0; i < reps; i++) {
              for (const workers of [1, 2]) {
                const t0 = now();
                const r = await withTimeout(pools[workers - 1].map(spin, tasks, { chunksize: 1 }), 60_000, `Pool(${workers}).map(spin)`);
                out[`mp_cpu_${workers}_ms`].push(now() - t0);
                if (!Array.isArray(r) || r.length !== 40 || r[39] !== expected) throw new Error('pool.map(spin) returned a wrong result');
              }
              const t0 = now();
              await raw.run(spinN, 20);
              out.raw_cpu_2_ms.push(now() - t0);
            }
          } catch (e) {
            extra.mpError = errMessage(e);
            throw e;
          }
          return out;
        },
      ],
    ],
    extra,
    async () => {
      await raw.close();
      for (const p of pools) await shutdown(p);
    },
  );
}
