// Where figure 14's onProgress cost goes: one variant of figure 14's map per process, so a
// profiler that counts instructions (valgrind --tool=callgrind, perf stat) sees only that
// variant's work (under callgrind started with --instr-atstart=no and CALLGRIND=1, only the
// timed maps are counted). Plain JavaScript (no tsx) so the count is not dominated by the loader.
//   node bench/mp/progress-cost.mjs --variant=plain|progress --maps=10 [--context=process] [--gc]
// Both variants first run the same untimed warm-up (both kinds of map), so the JIT state is
// the same; then --maps timed maps of the chosen variant. Prints the main thread's CPU ms of
// those maps on stderr. Compare two runs with --maps=0 and --maps=K to leave out start-up.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Pool } from 'multiproc';
import { double } from '../tasks-plain.mjs';

const arg = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const variant = arg('variant', 'plain');
const maps = Number(arg('maps', '10'));
const n = Number(arg('n', '20000'));
const context = arg('context', 'process');
// --gc: a full GC before every timed map, outside the count, as figure 14 does.
setFlagsFromString('--expose-gc');
const gc = process.argv.includes('--gc') ? runInNewContext('gc') : () => {};
const cpuMs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

/** Under callgrind: counting on/off (asynchronously: valgrind answers while the loop turns). */
const callgrind = (on) =>
  process.env.CALLGRIND
    ? new Promise((resolve, reject) => execFile('callgrind_control', ['-i', on ? 'on' : 'off', String(process.pid)], (e) => (e ? reject(e) : resolve())))
    : Promise.resolve();

const xs = Array.from({ length: n }, (_, i) => i);
const pool = new Pool({ processes: 2, context });
let calls = 0;
const progressOpts = () => ({ chunksize: 1, onProgress: () => void calls++ });
const plainOpts = () => ({ chunksize: 1 });
try {
  await Promise.all(xs.slice(0, 2000).map((x) => pool.apply(double, [x])));
  for (let i = 0; i < 2; i++) {
    await pool.map(double, xs, plainOpts());
    await pool.map(double, xs, progressOpts());
  }
  const opts = variant === 'progress' ? progressOpts : plainOpts;
  await callgrind(true);
  const c0 = cpuMs();
  let gcMs = 0;
  for (let i = 0; i < maps; i++) {
    const g0 = cpuMs();
    gc();
    gcMs += cpuMs() - g0;
    const r = await pool.map(double, xs, opts());
    if (r[n - 1] !== 2 * (n - 1)) throw new Error('wrong result');
  }
  const ms = cpuMs() - c0 - gcMs;
  await callgrind(false);
  process.stderr.write(`${variant} x${maps}: main-thread CPU ${ms.toFixed(1)} ms, onProgress calls ${calls}\n`);
} finally {
  await pool.terminate();
}
