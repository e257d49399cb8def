// Where figure 15's time goes: runs its three measurements once each (a private redis-server,
// one `multiproc worker --processes 2`) and prints, per phase, the wall time and the CPU time
// each process spent (this submitter, the worker, its pool processes, redis-server), read from
// /proc. A diagnostic for tuning the cluster context (Linux only), not one of the figures.
//   node --import tsx bench/cluster-trace.ts [--phase=apply,map,rtt] [--map-reps=5]
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { double } from './tasks.ts';
import { arg, now } from './lib.ts';
import { startRedis } from '../test/support/redis-server.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const phases = new Set(arg('phase', 'apply,map,rtt').split(','));
const redis = await startRedis();
const mp = await import('../dist/esm/index.js');
const worker = spawn(
  process.execPath,
  [
    ...(process.env.TRACE_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TRACE_PROF}`] : []),
    '--import',
    'tsx',
    path.join(here, '..', 'dist', 'bin', 'multiproc.js'),
    'worker',
    '--redis',
    redis.url,
    '--name',
    'trace',
    '--processes',
    '2',
    '--insecure',
    '--root',
    here,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve) => {
  let out = '';
  worker.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (/^ready$/m.test(out)) resolve();
  });
});

const { Redis } = await import('ioredis');
const stats = new Redis(redis.url);
async function commands(): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const line of (await stats.info('commandstats')).split('\n')) {
    const x = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (x) m.set(x[1]!, Number(x[2]));
  }
  return m;
}
/** The submitter's own CPU profile of one phase (TRACE_PROF=dir): started here, so startup is left out. */
async function startProfile(): Promise<() => Promise<unknown>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}
const tick = 100; // USER_HZ
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / tick;
  } catch {
    return 0;
  }
}
function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
function snapshot(): Record<string, number> {
  const kids = children(worker.pid!);
  return {
    submitter: cpuMs(process.pid),
    worker: cpuMs(worker.pid!),
    pool: kids.reduce((s, p) => s + cpuMs(p), 0),
    redis: cpuMs(redis.pid!),
  };
}
async function phase(name: string, per: number, unit: string, run: () => Promise<void>): Promise<void> {
  if (!phases.has(name)) return;
  await run(); // warm-up
  const prof = process.env.TRACE_PROF ? await startProfile() : undefined;
  const ca = await commands();
  const a = snapshot();
  const t0 = now();
  await run();
  const wall = now() - t0;
  const b = snapshot();
  const cb = await commands();
  if (prof) writeFileSync(path.join(process.env.TRACE_PROF!, `submitter-${name}.cpuprofile`), JSON.stringify(await prof()));
  const calls = [...cb].map(([k, v]) => [k, (v - (ca.get(k) ?? 0)) / per] as const).filter(([, v]) => v >= 0.01);
  const cpu = Object.entries(b).map(([k, v]) => `${k} ${(((v - a[k]!) / per) * (unit === 'µs' ? 1000 : 1)).toFixed(unit === 'µs' ? 0 : 1)}`);
  console.log(
    `${name}: wall ${((wall / per) * (unit === 'µs' ? 1000 : 1)).toFixed(1)} ${unit}/op; cpu ${unit}/op: ${cpu.join(', ')}\n  redis calls/op: ${calls.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
  );
}

const cluster = mp.getContext('cluster', { redis: redis.url, name: 'trace', root: here });
const pool = new cluster.Pool();
const xs = Array.from({ length: 200_000 }, (_, i) => i);
await phase('apply', 20_000, 'µs', async () => {
  await Promise.all(Array.from({ length: 20_000 }, (_, i) => pool.apply(double, [i])));
});
const mapReps = Number(arg('map-reps', '5'));
await phase('map', mapReps, 'ms', async () => {
  for (let i = 0; i < mapReps; i++) await pool.map(double, xs);
});
await phase('rtt', 300, 'µs', async () => {
  for (let i = 0; i < 300; i++) await pool.apply(double, [i]);
});
await pool.terminate();
await cluster.close();
await new Promise<void>((resolve) => {
  worker.once('exit', () => resolve());
  worker.kill('SIGTERM');
});
stats.disconnect();
await redis.stop();
