// Figure 14: watching and sizing a pool (README "Watching and sizing a pool").
//   mp_watch_plain_ms     pool.map(double, 20,000 ints, { chunksize: 1 }) on Pool(2), as figure 2
//   mp_watch_progress_ms  the same with an onProgress callback
//   mp_watch_stats_ms     the same while pool.stats() is read every 10 ms
//                         (the three interleaved rep by rep in a rotating order, one warm pool,
//                         after one untimed round of each so no variant carries a cold first run;
//                         3 x --reps reps: the goal is 3%, and a busy machine's noise is larger)
//   mp_watch_again_ms     the plain map once more, as a fourth variant: plain vs again is an A/A
//                         comparison, the noise floor of the ratios above on this machine
//   mp_watch_{plain,progress,stats}_cpu_ms  the main thread's CPU time in each of those maps
//                         (Linux: its schedstat; elsewhere the whole process's CPU time): where
//                         the watching costs, and far steadier than wall time on a busy machine
//   mp_idle_zero_ms       Pool(2, minProcesses 0, idleTimeout 500): ms from the end of a map
//                         until stats().processes is 0 again (idle_timeout_ms: the 500)
//   mp_tpw16_ms / mp_tpw1_ms  1,000 x 10 ms async waits on Pool(1), tasksPerWorker 16 vs 1
import { readFileSync } from 'node:fs';
import { double, waitMs } from '../tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout } from '../lib.ts';
import { loadMultiproc, makePool, shutdown, type MP } from './common.ts';

const context = arg('context', 'process');
const reps = intArg('reps', 5);
const n = intArg('n', 20_000);
const { mp, loadError } = await loadMultiproc();

/** Ms of CPU this process's main thread has used (Linux); elsewhere the whole process's. */
const mainThreadCpuMs: () => number = (() => {
  const file = `/proc/self/task/${process.pid}/schedstat`;
  try {
    readFileSync(file, 'utf8');
    return () => Number(readFileSync(file, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    };
  }
})();

if (!mp || mp.isMainEntry(import.meta.url)) {
  const xs = Array.from({ length: n }, (_, i) => i);
  const pools: MP[] = [];
  const check = () => {
    if (loadError) throw new Error(loadError);
  };
  await runMeasurements(
    [
      [
        'overhead',
        async () => {
          check();
          const pool = makePool(mp, 2, context);
          pools.push(pool);
          await withTimeout(Promise.all(xs.slice(0, 2000).map((x) => pool.apply(double, [x]))), 30_000, 'warm-up apply');
          const out: Record<string, number[]> = {
            mp_watch_plain_ms: [],
            mp_watch_progress_ms: [],
            mp_watch_stats_ms: [],
            mp_watch_again_ms: [],
            mp_watch_plain_cpu_ms: [],
            mp_watch_progress_cpu_ms: [],
            mp_watch_stats_cpu_ms: [],
            mp_watch_again_cpu_ms: [],
          };
          const once = async (opts: object, key: string) => {
            const c0 = mainThreadCpuMs();
            const t0 = now();
            const r = await withTimeout<number[]>(pool.map(double, xs, { chunksize: 1, ...opts }), 60_000, key);
            out[key]!.push(now() - t0);
            out[key.replace(/_ms$/, '_cpu_ms')]!.push(mainThreadCpuMs() - c0);
            if (r[n - 1] !== 2 * (n - 1)) throw new Error('map returned a wrong result');
          };
          const variants = [
            () => once({}, 'mp_watch_plain_ms'),
            async () => {
              let calls = 0;
              let last: { done: number } | undefined;
              await once(
                {
                  onProgress: (p: { done: number }) => {
                    calls++;
                    last = p;
                  },
                },
                'mp_watch_progress_ms',
              );
              if (calls === 0 || last?.done !== n) throw new Error(`onProgress was called ${calls} times, last with done ${last?.done} (not ${n})`);
            },
            async () => {
              let reads = 0;
              const timer = setInterval(() => {
                if (pool.stats().completed >= 0) reads++;
              }, 10);
              try {
                await once({}, 'mp_watch_stats_ms');
              } finally {
                clearInterval(timer);
              }
              if (reads === 0) throw new Error('stats were never read');
            },
            () => once({}, 'mp_watch_again_ms'),
          ];
          // One untimed round: the first map of each variant runs colder code (JIT) than the rest.
          for (const v of variants) await v();
          for (const key of Object.keys(out)) out[key] = [];
          // Interleaved, in a rotating order, so drift on a busy machine hits all four alike.
          for (let i = 0; i < 3 * reps; i++) for (let j = 0; j < variants.length; j++) await variants[(i + j) % variants.length]!();
          return out;
        },
      ],
      [
        'idle',
        async () => {
          check();
          const idleTimeout = 500;
          const ms: number[] = [];
          for (let i = 0; i < Math.max(1, reps >> 1); i++) {
            const pool = new mp.Pool({ processes: 2, minProcesses: 0, idleTimeout, context });
            pools.push(pool);
            await withTimeout(pool.map(double, xs.slice(0, 1000), { chunksize: 10 }), 30_000, 'map');
            const t0 = now();
            while (pool.stats().processes > 0) {
              if (now() - t0 > 20 * idleTimeout) throw new Error(`still ${pool.stats().processes} workers ${20 * idleTimeout} ms after the map`);
              await new Promise((r) => setTimeout(r, 5));
            }
            ms.push(now() - t0);
          }
          return { mp_idle_zero_ms: ms, idle_timeout_ms: [idleTimeout] };
        },
      ],
      [
        'tasksPerWorker',
        async () => {
          check();
          const waits = Array.from({ length: 1000 }, () => 10);
          const out: Record<string, number[]> = { mp_tpw16_ms: [], mp_tpw1_ms: [] };
          for (const [tpw, key] of [
            [16, 'mp_tpw16_ms'],
            [1, 'mp_tpw1_ms'],
          ] as const) {
            const pool = new mp.Pool({ processes: 1, tasksPerWorker: tpw, context });
            pools.push(pool);
            await withTimeout(pool.apply(waitMs, [1]), 30_000, 'warm-up');
            for (let i = 0; i < Math.max(1, reps >> 2); i++) {
              const t0 = now();
              await withTimeout(pool.map(waitMs, waits, { chunksize: 1 }), 120_000, `1,000 waits, tasksPerWorker ${tpw}`);
              out[key]!.push(now() - t0);
            }
          }
          return out;
        },
      ],
    ],
    { context },
    async () => {
      for (const p of pools) await shutdown(p);
    },
  );
}
