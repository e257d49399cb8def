// Peer anchor for figure 2 (thread context): poolifier FixedThreadPool with 2 workers,
// 20,000 `execute` calls submitted at once, then all awaited. Sample: milliseconds.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FixedThreadPool } from 'poolifier';
import { intArg, now, runMeasurements } from '../lib.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const reps = intArg('reps', 5);
const n = intArg('n', 20_000);

await runMeasurements(
  [
    [
      'poolifier',
      async () => {
        const pool = new FixedThreadPool<number, number>(2, path.join(here, 'worker.mjs'), {
          errorHandler: (e) => console.error(e),
        });
        // Warm-up: workers online and JIT warm.
        await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.execute(i)));
        const ms: number[] = [];
        for (let r = 0; r < reps; r++) {
          const t0 = now();
          const out = await Promise.all(Array.from({ length: n }, (_, i) => pool.execute(i)));
          ms.push(now() - t0);
          if (out[n - 1] !== 2 * (n - 1)) throw new Error('poolifier: wrong result');
        }
        await pool.destroy();
        return { poolifier_ms: ms };
      },
    ],
  ],
  { poolifier: '5' },
);
