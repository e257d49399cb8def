// Figure 2: chunksize-1 dispatch of 20,000 trivial tasks submitted at once, 2 workers.
//   mp_apply_all_ms  Promise.all of 20,000 pool.apply(double, [i])
//   mp_map_chunk1_ms pool.map(double, 20,000 ints, { chunksize: 1 })
import { double } from '../tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout } from '../lib.ts';
import { loadMultiproc, makePool, shutdown, type MP } from './common.ts';

const context = arg('context', 'process');
const reps = intArg('reps', 3);
const n = intArg('n', 20_000);
const { mp, loadError } = await loadMultiproc();

if (!mp || mp.isMainEntry(import.meta.url)) {
  const xs = Array.from({ length: n }, (_, i) => i);
  let pool: MP = null;
  const getPool = async () => {
    if (loadError) throw new Error(loadError);
    if (!pool) {
      pool = makePool(mp, 2, context);
      await withTimeout(Promise.all(xs.slice(0, 2000).map((x) => pool.apply(double, [x]))), 30_000, 'warm-up apply');
    }
    return pool;
  };
  await runMeasurements(
    [
      [
        'apply_all',
        async () => {
          const p = await getPool();
          const ms: number[] = [];
          for (let i = 0; i < reps; i++) {
            const t0 = now();
            const r = await withTimeout(Promise.all(xs.map((x) => p.apply(double, [x]))), 60_000, `${n} x pool.apply`);
            ms.push(now() - t0);
            if (r[n - 1] !== 2 * (n - 1)) throw new Error('apply returned a wrong result');
          }
          return { mp_apply_all_ms: ms };
        },
      ],
      [
        'map_chunk1',
        async () => {
          const p = await getPool();
          const ms: number[] = [];
          for (let i = 0; i < reps; i++) {
            const t0 = now();
            const r = await withTimeout<number[]>(p.map(double, xs, { chunksize: 1 }), 60_000, 'pool.map chunksize 1');
            ms.push(now() - t0);
            if (r[n - 1] !== 2 * (n - 1)) throw new Error('map returned a wrong result');
          }
          return { mp_map_chunk1_ms: ms };
        },
      ],
    ],
    { context },
    () => shutdown(pool),
  );
}
