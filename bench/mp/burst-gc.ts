// The parent's garbage collection during figure 2's burst (20,000 tasks submitted at once): how
// many collections and how many ms of them the main isolate runs per burst, and the burst's
// time. It exists to compare builds (--lib= another build's dist/esm/index.js), since the
// parent's per-task allocations showed up as ~30% of its CPU in such a burst.
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { double } from '../tasks.ts';
import { arg, intArg, now } from '../lib.ts';

const context = arg('context', 'thread');
const reps = intArg('reps', 5);
const n = intArg('n', 20_000);
const lib = arg('lib', '');
const mp = (await import(lib ? pathToFileURL(lib).href : 'multiproc')) as typeof import('multiproc');

if (mp.isMainEntry(import.meta.url)) {
  let gcCount = 0;
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcMs += e.duration;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const xs = Array.from({ length: n }, (_, i) => i);
  const pool = new mp.Pool({ processes: 2, context: context as 'thread' | 'process' });
  await Promise.all(xs.slice(0, 2000).map((x) => pool.apply(double, [x])));
  const flush = () => new Promise((r) => setTimeout(r, 50));
  for (const kind of ['apply', 'map1'] as const) {
    const ms: number[] = [];
    const counts: number[] = [];
    const gcs: number[] = [];
    for (let i = 0; i < reps; i++) {
      await flush();
      gcCount = 0;
      gcMs = 0;
      const t0 = now();
      const r = kind === 'apply' ? await Promise.all(xs.map((x) => pool.apply(double, [x]))) : await pool.map(double, xs, { chunksize: 1 });
      ms.push(now() - t0);
      if (r[n - 1] !== 2 * (n - 1)) throw new Error('wrong result');
      await flush();
      counts.push(gcCount);
      gcs.push(gcMs);
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
    console.log(`${kind} ${context}: median ${med(ms).toFixed(1)} ms [${ms.map((x) => x.toFixed(0)).join(' ')}], gc ${med(counts)} collections, ${med(gcs).toFixed(1)} ms`);
  }
  obs.disconnect();
  await pool.terminate();
}
