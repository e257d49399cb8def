// Figure 15: the cluster context on one machine (a private Redis, one `multiproc worker` with
// 2 processes started here), beside anchors measured in the same run:
//   cluster_apply_ips  20,000 pool.apply(double, [i]) at once (Promise.all), tasks/s
//   cluster_map_ms     pool.map(double, 200,000 ints), default chunksize
//   local_map_ms       the same map on a local process Pool(2), interleaved with the above
//   cluster_rtt_us     sequential await pool.apply(double, [i]), per round trip
// The raw BullMQ anchors are bench/raw/bullmq.ts (run by bench/run.ts in their own process).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { double } from './tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout } from './lib.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const url = arg('redis', 'redis://127.0.0.1:6379');
const reps = intArg('reps', 5);
const mp = await import('../dist/esm/index.js');

const worker = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(here, '..', 'dist', 'bin', 'multiproc.js'), 'worker', '--redis', url, '--name', 'benchc', '--processes', '2', '--insecure', '--root', here],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await withTimeout(
  new Promise<void>((resolve, reject) => {
    let out = '';
    worker.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^ready$/m.test(out)) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`multiproc worker exited (${code}) before ready`)));
  }),
  60_000,
  'multiproc worker start',
);

const cluster = mp.getContext('cluster', { redis: url, name: 'benchc', root: here });
const pool = new cluster.Pool();
const xs = Array.from({ length: 200_000 }, (_, i) => i);
const check = (r: number[]) => {
  if (r.length !== xs.length || r[199_999] !== 399_998) throw new Error('map returned a wrong result');
};

await runMeasurements(
  [
    [
      'apply',
      async () => {
        await withTimeout(Promise.all(Array.from({ length: 1000 }, (_, i) => pool.apply(double, [i]))), 60_000, 'warm-up');
        const ips: number[] = [];
        for (let rep = 0; rep < reps; rep++) {
          const t0 = now();
          const r = await withTimeout(Promise.all(Array.from({ length: 20_000 }, (_, i) => pool.apply(double, [i]))), 300_000, '20k apply');
          ips.push(20_000 / ((now() - t0) / 1000));
          if (r[19_999] !== 39_998) throw new Error('apply returned a wrong result');
        }
        return { cluster_apply_ips: ips };
      },
    ],
    [
      'map',
      async () => {
        const local = new mp.Pool({ processes: 2, context: 'process' });
        try {
          await local.map(double, xs.slice(0, 1000));
          await pool.map(double, xs.slice(0, 1000));
          const c: number[] = [];
          const l: number[] = [];
          for (let rep = 0; rep < reps; rep++) {
            let t0 = now();
            check(await withTimeout(pool.map(double, xs), 120_000, 'cluster map'));
            c.push(now() - t0);
            t0 = now();
            check(await withTimeout(local.map(double, xs), 60_000, 'local map'));
            l.push(now() - t0);
          }
          return { cluster_map_ms: c, local_map_ms: l };
        } finally {
          await local.terminate();
        }
      },
    ],
    [
      'rtt',
      async () => {
        const us: number[] = [];
        for (let rep = 0; rep < reps + 1; rep++) {
          const rounds = 300;
          const t0 = now();
          for (let i = 0; i < rounds; i++) await pool.apply(double, [i]);
          if (rep > 0) us.push(((now() - t0) / rounds) * 1000);
        }
        return { cluster_rtt_us: us };
      },
    ],
  ],
  {},
  async () => {
    await pool.terminate();
    await cluster.close();
    worker.kill('SIGKILL');
  },
);
