// A/B of map chunk sizes for figure 1 (200k ints, 2 workers): same pool, sizes interleaved.
import { double } from '../tasks.ts';
import { arg } from '../lib.ts';
import { loadMultiproc, makePool, shutdown } from './common.ts';

const context = arg('context', 'process');
const { mp } = await loadMultiproc();
if (mp.isMainEntry(import.meta.url)) {
  const xs = Array.from({ length: 200_000 }, (_, i) => i);
  const sizes = [12_500, 25_000, 50_000, 100_000];
  const ms: Record<number, number[]> = {};
  const pool = makePool(mp, 2, context);
  await pool.map(double, xs.slice(0, 1000));
  for (let r = 0; r < 8; r++) {
    for (const s of sizes) {
      const t0 = performance.now();
      await pool.map(double, xs, { chunksize: s });
      (ms[s] ??= []).push(performance.now() - t0);
    }
  }
  await shutdown(pool);
  for (const s of sizes) {
    const v = ms[s]!.slice(2).sort((a, b) => a - b);
    console.log(context, s, 'median', v[v.length >> 1]!.toFixed(1), 'min', v[0]!.toFixed(1), 'all', ms[s]!.map((x) => x.toFixed(0)).join(' '));
  }
}
