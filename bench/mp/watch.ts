// Figure 14: watching and sizing a pool (README "Watching and sizing a pool").
//   mp_watch_plain_ms     pool.map(double, 20,000 ints, { chunksize: 1 }) on Pool(2), as figure 2
//   mp_watch_progress_ms  the same with an onProgress callback
//   mp_watch_stats_ms     the same while pool.stats() is read every 10 ms
//   mp_watch_again_ms     the plain map once more, as a fourth variant: plain vs again is an A/A
//                         comparison, the noise floor of the ratios above on this machine
//                         (the four run on one warm pool, after one untimed round of each so no
//                         variant carries a cold first run, in rounds of four; the rounds run
//                         back to back, so their orders (ORDERS) balance the whole sequence: each
//                         variant runs as often in each place and right after each other
//                         variant, also across the end of one round and the start of the next;
//                         10 x --reps rounds, rounded up to a multiple of 12; a full garbage
//                         collection before every map, outside its time, so a major GC owed by
//                         an earlier map does not land in a random later one)
//   mp_watch_{plain,progress,stats,again}_cpu_ms  the main thread's CPU time in each of those maps
//                         (Linux: its schedstat; elsewhere the whole process's CPU time): where
//                         the watching costs, and far steadier than wall time on a busy machine
//   mp_watch_{progress,stats}_paired  per round, that map's time / the mean time of the two maps
//                         without (plain and again) in the same round: both are the same map as
//                         the anchor, measured the same way, and their mean halves the anchor's
//                         share of the noise (the median of these is robust to drift between rounds)
//   mp_watch_again_paired per round, again / plain: the A/A ratio, the noise floor
//   mp_idle_zero_ms       Pool(2, minProcesses 0, idleTimeout 500): ms from the end of a map
//                         until stats().processes is 0 again (idle_timeout_ms: the 500)
//   mp_tpw16_ms / mp_tpw1_ms  1,000 x 10 ms async waits on Pool(1), tasksPerWorker 16 vs 1
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

/** A full garbage collection of this process (the flag is set at run time: no node option needed). */
const collectGarbage: () => void = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return gc as () => void;
  } catch {
    /* not available: no collection between maps */
  }
  return () => {};
})();

/**
 * Orders of the 4 variants, one per round, for rounds that run back to back (read as one
 * cycle): each variant 3 times in each place, and each ordered pair of different variants 4
 * times next to each other, counting the pairs across the boundary between rounds (the last
 * order leads into the first), never a variant twice in a row. A Latin square of 4 rounds
 * balances the pairs only inside rounds: its boundaries put progress after stats in half of
 * the rounds and plain after progress in half.
 */
const ORDERS = [
  [3, 1, 0, 2],
  [0, 3, 1, 2],
  [3, 0, 2, 1],
  [0, 1, 3, 2],
  [3, 0, 2, 1],
  [2, 1, 0, 3],
  [0, 2, 1, 3],
  [2, 3, 1, 0],
  [1, 2, 3, 0],
  [1, 3, 2, 0],
  [1, 2, 0, 3],
  [2, 0, 3, 1],
];

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
            collectGarbage();
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
          // It is the cycle's last order, so the first timed map follows what the cycle puts before it.
          for (const j of ORDERS[ORDERS.length - 1]!) await variants[j]!();
          for (const key of Object.keys(out)) out[key] = [];
          const rounds = ORDERS.length * Math.ceil((10 * reps) / ORDERS.length);
          for (let i = 0; i < rounds; i++) for (const j of ORDERS[i % ORDERS.length]!) await variants[j]!();
          // Per round: a watched map's time over the mean of that round's two maps without; the
          // A/A ratio, again over plain.
          const plain = out.mp_watch_plain_ms!;
          const again = out.mp_watch_again_ms!;
          for (const name of ['progress', 'stats']) {
            out[`mp_watch_${name}_paired`] = out[`mp_watch_${name}_ms`]!.map((ms, i) => ms / ((plain[i]! + again[i]!) / 2));
          }
          out.mp_watch_again_paired = again.map((ms, i) => ms / plain[i]!);
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
