// Figure 1: `pool.map(double, 200,000 ints)`, default chunksize, 2 workers.
//   mp_map_ms        the map call only, on a started and warmed pool (--reps samples)
//   mp_map_total_ms  new Pool + the first map, fresh pool each time (3 samples)
import { double } from '../tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout } from '../lib.ts';
import { loadMultiproc, makePool, shutdown } from './common.ts';

const context = arg('context', 'process');
const reps = intArg('reps', 5);
const { mp, loadError } = await loadMultiproc();

if (!mp || mp.isMainEntry(import.meta.url)) {
  const xs = Array.from({ length: 200_000 }, (_, i) => i);
  const check = (r: number[]) => {
    if (!Array.isArray(r) || r.length !== xs.length || r[199_999] !== 399_998) throw new Error('map returned a wrong result');
  };
  await runMeasurements(
    [
      [
        'map_total',
        async () => {
          if (loadError) throw new Error(loadError);
          const total: number[] = [];
          for (let i = 0; i < 3; i++) {
            const t0 = now();
            const pool = makePool(mp, 2, context);
            try {
              const r = await withTimeout<number[]>(pool.map(double, xs), 30_000, 'pool.map');
              total.push(now() - t0);
              check(r);
            } finally {
              await shutdown(pool);
            }
          }
          return { mp_map_total_ms: total };
        },
      ],
      [
        'map',
        async () => {
          if (loadError) throw new Error(loadError);
          const pool = makePool(mp, 2, context);
          try {
            await withTimeout(pool.map(double, xs.slice(0, 1000)), 30_000, 'warm-up pool.map');
            const ms: number[] = [];
            for (let i = 0; i < reps; i++) {
              const t0 = now();
              const r = await withTimeout<number[]>(pool.map(double, xs), 30_000, 'pool.map');
              ms.push(now() - t0);
              check(r);
            }
            return { mp_map_ms: ms };
          } finally {
            await shutdown(pool);
          }
        },
      ],
    ],
    { context },
  );
}
