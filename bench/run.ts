// multiproc benchmark suite: `npm run bench` (= node --import tsx bench/run.ts).
//
// Every measurement runs in its own fresh child process (Node scripts under bench/mp, bench/raw,
// bench/poolifier; CPython scripts under bench/python), each repeating and printing one JSON
// line of samples; the figure is the median. Anchors are measured in the same run:
// CPython's multiprocessing (python3), raw Node floors (bench/raw), and poolifier.
//
// Figures 7-10 are the shared objects (Queue, manager dict, Lock, Event; bench/mp/queue.ts,
// manager.ts, sync.ts, children in bench/shared-tasks.ts, anchors in bench/python/shared.py).
// Figures 11-13 are shared memory (Value counter, uncontended lock, 100 MiB SharedArray;
// bench/mp/counter.ts, shmlock.ts, bulk.ts, same children module and CPython script).
// Figure 14 is watching and sizing a pool (onProgress and stats() overhead, idle pool back to zero
// workers, tasksPerWorker on async waits; bench/mp/watch.ts).
//
// Figure 15 is the cluster context on a private Redis (bench/cluster.ts, anchors bench/raw/bullmq.ts).
//
// Options: --only=1,3,6   run only these figures
//          --quick        fewer repetitions
//          --verbose      pass the scripts' stderr through
//          --json=FILE    also write every sample to FILE
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const argv = process.argv.slice(2);
const opt = (name: string) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.split('=')[1] ?? (argv.includes(`--${name}`) ? '' : undefined);
const only = opt('only')
  ? new Set(
      opt('only')!
        .split(',')
        .map((s) => s.trim()),
    )
  : null;
const quick = opt('quick') !== undefined;
const verbose = opt('verbose') !== undefined;
const jsonOut = opt('json');
const want = (fig: number) => !only || only.has(String(fig));

// ---------------------------------------------------------------------------------------------
// Running one script

type Samples = Record<string, number[]>;
interface JobResult {
  samples: Samples;
  errors: Record<string, string>;
  extra: Record<string, unknown>;
  failure?: string; // the script crashed, timed out, or printed nothing
}
type EnvMode = 'as-is' | 'no-ca';

const allRuns: Array<{ name: string; result: JobResult }> = [];

function runScript(
  name: string,
  cmd: 'node' | 'node-tsx' | 'python',
  file: string,
  args: string[] = [],
  { env = 'as-is' as EnvMode, timeoutMs = 60_000, pin = false } = {},
): Promise<JobResult> {
  let bin = cmd === 'python' ? 'python3' : process.execPath;
  let full = cmd === 'node-tsx' ? ['--import', 'tsx', file, ...args] : [file, ...args];
  if (pin) {
    // The script and every process/thread it starts share CPU 0.
    full = ['-c', '0', bin, ...full];
    bin = 'taskset';
  }
  const childEnv = { ...process.env };
  if (env === 'no-ca') delete childEnv.NODE_EXTRA_CA_CERTS;
  const started = Date.now();
  process.stderr.write(`  ${name} ... `);
  return new Promise((resolve) => {
    const cp = spawn(bin, full, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    cp.stdout.on('data', (c) => (out += c));
    cp.stderr.on('data', (c) => {
      err += c;
      if (err.length > 20_000) err = err.slice(-10_000);
      if (verbose) process.stderr.write(c);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      cp.kill('SIGKILL');
    }, timeoutMs);
    cp.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      let result: JobResult;
      if (line) {
        try {
          const { samples = {}, errors = {}, ...extra } = JSON.parse(line);
          result = { samples, errors, extra };
        } catch {
          result = { samples: {}, errors: {}, extra: {}, failure: `unparsable output: ${line.slice(0, 200)}` };
        }
      } else {
        const why = timedOut ? `timed out after ${timeoutMs / 1000} s` : `exit ${code ?? signal}, no result${code === 0 ? ' (isMainEntry false in the main program?)' : ''}`;
        const errLine = err
          .split('\n')
          .find((l) => /Error|error:/.test(l))
          ?.trim();
        result = { samples: {}, errors: {}, extra: {}, failure: errLine ? `${why}: ${errLine.slice(0, 300)}` : why };
      }
      if (timedOut && !result.failure) result.failure = `timed out after ${timeoutMs / 1000} s`;
      const errs = Object.values(result.errors);
      process.stderr.write(
        `${((Date.now() - started) / 1000).toFixed(1)} s${result.failure ? ` FAILED: ${result.failure}` : ''}${errs.length ? ` (${errs.length} error(s))` : ''}\n`,
      );
      allRuns.push({ name, result });
      resolve(result);
    });
  });
}

/** Merges the samples of several runs of the same script (fresh processes). */
function merge(results: JobResult[]): JobResult {
  const m: JobResult = { samples: {}, errors: {}, extra: {} };
  for (const r of results) {
    for (const [k, v] of Object.entries(r.samples)) (m.samples[k] ??= []).push(...v);
    Object.assign(m.errors, r.errors);
    Object.assign(m.extra, r.extra);
    if (r.failure && !m.failure) m.failure = r.failure;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Figures

interface Fig {
  value?: number;
  error?: string;
}
function fig(r: JobResult | undefined, key: string): Fig {
  if (!r) return { error: 'not run' };
  const xs = r.samples[key];
  if (xs && xs.length) return { value: median(xs) };
  const mpError = r.extra.mpError as string | null | undefined;
  if (key.startsWith('mp_') && mpError) return { error: mpError };
  const errs = Object.values(r.errors);
  if (errs.length) return { error: errs[0] };
  return { error: r.failure ?? `no samples for ${key}` };
}

type Kind = 'faster' | 'atMost' | 'speedup' | 'info-faster' | 'info-atMost' | 'info-speedup';
interface Row {
  fig: string;
  what: string;
  ctx: string;
  mp: Fig;
  anchorName: string;
  anchor: Fig;
  /** Times (lower is better) or rates (higher is better: items/s, ops/s, MB/s). */
  unit: Unit;
  kind: Kind;
  target?: number;
}
const rows: Row[] = [];
type Unit = 'ms' | 'us' | 'ns' | 'items/s' | 'ops/s' | 'MB/s' | 'GB/s';
const isRate = (u: Unit) => u !== 'ms' && u !== 'us' && u !== 'ns';

function fmt(v: number | undefined, unit: Unit): string {
  if (v === undefined) return '';
  const num = (x: number) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2);
  if (unit === 'items/s' || unit === 'ops/s') {
    return v >= 1e6 ? `${num(v / 1e6)}M ${unit}` : v >= 1e3 ? `${num(v / 1e3)}k ${unit}` : `${num(v)} ${unit}`;
  }
  if (unit === 'ns' && v >= 10_000) return `${num(v / 1000)} µs`;
  return `${num(v)} ${unit === 'us' ? 'µs' : unit}`;
}

function judge(row: Row): { ratio: string; target: string; result: string } {
  const { mp, anchor, kind, target } = row;
  const targetText =
    kind === 'faster'
      ? `>= ${target}x faster`
      : kind === 'atMost'
        ? `<= ${target}x anchor${isRate(row.unit) ? ' time' : ''}`
        : kind === 'speedup'
          ? `speedup >= ${target}`
          : '(info)';
  if (mp.error !== undefined) return { ratio: '', target: targetText, result: kind.startsWith('info') ? '-' : 'ERROR' };
  if (anchor.error !== undefined || !anchor.value) return { ratio: '', target: targetText, result: 'NO ANCHOR' };
  // For rates (higher is better) the ratios are taken the other way round.
  const [m, a] = isRate(row.unit) ? [anchor.value, mp.value!] : [mp.value!, anchor.value];
  if (kind === 'faster' || kind === 'info-faster') {
    const r = a / m;
    return { ratio: `${r.toFixed(2)}x faster`, target: targetText, result: kind === 'faster' ? (r >= target! ? 'PASS' : 'MISS') : '-' };
  }
  if (kind === 'speedup' || kind === 'info-speedup') {
    const r = a / m;
    return { ratio: `speedup ${r.toFixed(2)}`, target: targetText, result: kind === 'speedup' ? (r >= target! ? 'PASS' : 'MISS') : '-' };
  }
  // For rates, m / a = anchor rate / multiproc rate = multiproc's time / the anchor's time.
  const r = m / a;
  return { ratio: `${r.toFixed(2)}x anchor${isRate(row.unit) ? ' time' : ''}`, target: targetText, result: kind === 'atMost' ? (r <= target! ? 'PASS' : 'MISS') : '-' };
}

function printTable(): void {
  const header = ['#', 'figure', 'ctx', 'multiproc', 'anchor (same run)', 'ratio', 'target', 'result'];
  const lines = rows.map((row) => {
    const j = judge(row);
    const mpText = row.mp.error !== undefined ? `error: ${row.mp.error}` : fmt(row.mp.value, row.unit);
    const anchorText = row.anchor.error !== undefined ? `${row.anchorName}: error: ${row.anchor.error}` : `${row.anchorName} ${fmt(row.anchor.value, row.unit)}`;
    return [row.fig, row.what, row.ctx, mpText, anchorText, j.ratio, j.target, j.result];
  });
  // Long error texts go below the table; keep the cells short.
  const notes: string[] = [];
  for (const l of lines) {
    for (const c of [3, 4]) {
      if (l[c].length > 46) {
        let k = notes.indexOf(l[c]);
        if (k < 0) k = notes.push(l[c]) - 1;
        l[c] = `${l[c].slice(0, 38)}… [${k + 1}]`;
      }
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const show = (l: string[]) =>
    l
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(show(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let last = '';
  for (const l of lines) {
    if (last && l[0] !== last) console.log('');
    last = l[0];
    console.log(show(l));
  }
  if (notes.length) {
    console.log('');
    notes.forEach((n, i) => console.log(`[${i + 1}] ${n}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Environment

const t0 = Date.now();
const distOk = fs.existsSync(path.join(root, 'dist', 'esm', 'index.js'));
let pyVersion = 'missing';
try {
  pyVersion = execFileSync('python3', ['-c', 'import sys; print(sys.version.split()[0])']).toString().trim();
} catch {
  /* reported as missing */
}
const poolifierVersion = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'poolifier', 'package.json'), 'utf8')).version as string;
  } catch {
    return 'missing';
  }
})();
console.log(
  `multiproc benchmarks — Node ${process.version}, CPython ${pyVersion}, poolifier ${poolifierVersion}, ` +
    `${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}, ` +
    `NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}`,
);
if (!distOk) console.log('note: dist/esm/index.js is missing (run `npm run build`); multiproc figures will be errors.');
process.stderr.write('running (each line is one fresh process):\n');

const R = quick ? 1 : 0; // rep reduction
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();
const ctxs = ['process', 'thread'] as const;

// ---------------------------------------------------------------------------------------------
// 1. map of a trivial function over 200,000 ints, default chunksize, 2 workers

if (want(1)) {
  const py = await runScript('cpython map', 'python', 'bench/python/bench.py', ['map', String(9 - 4 * R)]);
  for (const ctx of ctxs) {
    const mp = await runScript(`multiproc map (${ctx})`, 'node-tsx', 'bench/mp/map.ts', [`--context=${ctx}`, `--reps=${9 - 4 * R}`]);
    rows.push({
      fig: '1',
      what: 'map x*2 over 200k ints (map call only)',
      ctx,
      mp: fig(mp, 'mp_map_ms'),
      anchorName: `CPython Pool(2).map [${py.extra.start_method ?? '?'}]`,
      anchor: fig(py, 'py_map_ms'),
      unit: 'ms',
      kind: 'faster',
      target: 2,
    });
    rows.push({
      fig: '1',
      what: '  same, incl. Pool start (tsx workers)',
      ctx,
      mp: fig(mp, 'mp_map_total_ms'),
      anchorName: 'CPython Pool(2) + map',
      anchor: fig(py, 'py_map_total_ms'),
      unit: 'ms',
      kind: 'info-faster',
    });
  }
}

// 2. dispatch, chunksize 1, 20,000 tasks at once

if (want(2)) {
  const py = await runScript('cpython dispatch', 'python', 'bench/python/bench.py', ['dispatch', String(3 - R)], { timeoutMs: 90_000 });
  const pf = await runScript('poolifier FixedThreadPool(2)', 'node-tsx', 'bench/poolifier/dispatch.ts', [`--reps=${5 - 2 * R}`]);
  const res: Record<string, JobResult> = {};
  for (const ctx of ctxs) {
    res[ctx] = await runScript(`multiproc dispatch (${ctx})`, 'node-tsx', 'bench/mp/dispatch.ts', [`--context=${ctx}`, `--reps=${3 - R}`], { timeoutMs: 120_000 });
  }
  rows.push({
    fig: '2',
    what: '20k x apply(x*2) at once (Promise.all)',
    ctx: 'process',
    mp: fig(res.process, 'mp_apply_all_ms'),
    anchorName: 'CPython 20k apply_async+get',
    anchor: fig(py, 'py_apply_async_ms'),
    unit: 'ms',
    kind: 'faster',
    target: 2.5,
  });
  rows.push({
    fig: '2',
    what: '20k x map(x*2, chunksize 1)',
    ctx: 'process',
    mp: fig(res.process, 'mp_map_chunk1_ms'),
    anchorName: 'CPython map(chunksize=1)',
    anchor: fig(py, 'py_map_chunk1_ms'),
    unit: 'ms',
    kind: 'faster',
    target: 2.5,
  });
  rows.push({
    fig: '2',
    what: '20k x apply(x*2) at once (Promise.all)',
    ctx: 'thread',
    mp: fig(res.thread, 'mp_apply_all_ms'),
    anchorName: 'poolifier 20k execute',
    anchor: fig(pf, 'poolifier_ms'),
    unit: 'ms',
    kind: 'faster',
    target: 2,
  });
  rows.push({
    fig: '2',
    what: '20k x map(x*2, chunksize 1)',
    ctx: 'thread',
    mp: fig(res.thread, 'mp_map_chunk1_ms'),
    anchorName: 'poolifier 20k execute',
    anchor: fig(pf, 'poolifier_ms'),
    unit: 'ms',
    kind: 'faster',
    target: 2,
  });
}

// 3. sequential apply round trip (raw floors interleaved in the same process)

if (want(3)) {
  for (const ctx of ctxs) {
    const r = await runScript(`apply round trip + raw floor (${ctx})`, 'node-tsx', 'bench/mp/rtt.ts', [`--context=${ctx}`, `--rounds=${7 - 3 * R}`]);
    if (ctx === 'process') {
      rows.push({
        fig: '3',
        what: 'sequential await apply, per round trip',
        ctx,
        mp: fig(r, 'mp_rtt_us'),
        anchorName: 'raw fd3 pipe frames',
        anchor: fig(r, 'raw_fd3_us'),
        unit: 'us',
        kind: 'atMost',
        target: 1.25,
      });
      rows.push({
        fig: '3',
        what: '  same vs bare fork IPC echo',
        ctx,
        mp: fig(r, 'mp_rtt_us'),
        anchorName: 'raw fork IPC',
        anchor: fig(r, 'raw_ipc_us'),
        unit: 'us',
        kind: 'info-atMost',
      });
    } else {
      rows.push({
        fig: '3',
        what: 'sequential await apply, per round trip',
        ctx,
        mp: fig(r, 'mp_rtt_us'),
        anchorName: 'raw postMessage echo',
        anchor: fig(r, 'raw_port_us'),
        unit: 'us',
        kind: 'atMost',
        target: 1.25,
      });
    }
  }
  if (hasTaskset) {
    // Pinned to one core: no cross-core wake-ups, so the ratio is the per-message CPU cost.
    for (const ctx of ctxs) {
      const r = await runScript(`apply round trip + raw floor (${ctx}, pinned to CPU 0)`, 'node-tsx', 'bench/mp/rtt.ts', [`--context=${ctx}`, `--rounds=${5 - 2 * R}`], {
        pin: true,
      });
      rows.push({
        fig: '3',
        what: '  same, all pinned to one core',
        ctx,
        mp: fig(r, 'mp_rtt_us'),
        anchorName: ctx === 'thread' ? 'raw postMessage echo' : 'raw fd3 pipe frames',
        anchor: fig(r, ctx === 'thread' ? 'raw_port_us' : 'raw_fd3_us'),
        unit: 'us',
        kind: 'info-atMost',
      });
    }
  }
}

// 4. Pipe round trip parent <-> child echo (raw floors interleaved in the same process)

if (want(4)) {
  for (const ctx of ctxs) {
    const r = await runScript(`Pipe round trip + raw floor (${ctx})`, 'node-tsx', 'bench/mp/pipe.ts', [`--context=${ctx}`, `--rounds=${7 - 3 * R}`]);
    rows.push({
      fig: '4',
      what: 'Pipe send+recv echo, per round trip',
      ctx,
      mp: fig(r, 'mp_pipe_us'),
      anchorName: 'raw unix socket frames',
      anchor: fig(r, 'raw_unix_us'),
      unit: 'us',
      kind: 'atMost',
      target: 1.2,
    });
    if (ctx === 'thread') {
      rows.push({
        fig: '4',
        what: '  same vs MessagePort echo',
        ctx,
        mp: fig(r, 'mp_pipe_us'),
        anchorName: 'raw postMessage echo',
        anchor: fig(r, 'raw_port_us'),
        unit: 'us',
        kind: 'info-atMost',
      });
    }
  }
  if (hasTaskset) {
    for (const ctx of ctxs) {
      const r = await runScript(`Pipe round trip + raw floor (${ctx}, pinned to CPU 0)`, 'node-tsx', 'bench/mp/pipe.ts', [`--context=${ctx}`, `--rounds=${5 - 2 * R}`], {
        pin: true,
      });
      rows.push({
        fig: '4',
        what: '  same, all pinned to one core',
        ctx,
        mp: fig(r, 'mp_pipe_us'),
        anchorName: 'raw unix socket frames',
        anchor: fig(r, 'raw_unix_us'),
        unit: 'us',
        kind: 'info-atMost',
      });
    }
  }
}

// 5. CPU-bound: 40 x 20 ms tasks, Pool(1) vs Pool(2)

if (want(5)) {
  const py = await runScript('cpython cpu Pool(1)/Pool(2)', 'python', 'bench/python/bench.py', ['cpu', String(2 - R)]);
  for (const ctx of ctxs) {
    const r = await runScript(`multiproc cpu (${ctx})`, 'node-tsx', 'bench/mp/cpu.ts', [`--context=${ctx}`, `--reps=${3 - R}`]);
    rows.push({
      fig: '5',
      what: '40 x 20 ms CPU tasks: Pool(2) vs Pool(1)',
      ctx,
      mp: fig(r, 'mp_cpu_2_ms'),
      anchorName: 'multiproc Pool(1)',
      anchor: fig(r, 'mp_cpu_1_ms'),
      unit: 'ms',
      kind: 'speedup',
      target: 1.95,
    });
    rows.push({
      fig: '5',
      what: '  machine ceiling: 2 raw threads, same work',
      ctx,
      mp: fig(r, 'raw_cpu_2_ms'),
      anchorName: 'multiproc Pool(1)',
      anchor: fig(r, 'mp_cpu_1_ms'),
      unit: 'ms',
      kind: 'info-speedup',
    });
  }
  rows.push({
    fig: '5',
    what: '  CPython, same shape (reference)',
    ctx: 'process',
    mp: fig(py, 'py_cpu_2_ms'),
    anchorName: 'CPython Pool(1)',
    anchor: fig(py, 'py_cpu_1_ms'),
    unit: 'ms',
    kind: 'info-faster',
  });
}

// 6. pool start to first result (fresh process per sample, configurations interleaved)

if (want(6)) {
  // 5 fresh processes per configuration (3 for the slower tsx ones), configurations interleaved.
  const n = 5 - 2 * R;
  const cfg: Array<[string, 'node' | 'node-tsx' | 'python', string, string[], EnvMode]> = [
    ['py', 'python', 'bench/python/bench.py', ['start', '1'], 'as-is'],
    ['rawThread', 'node', 'bench/raw/start.mjs', ['--kind=thread', '--reps=1'], 'as-is'],
    ['rawProc', 'node', 'bench/raw/start.mjs', ['--kind=process', '--reps=1'], 'as-is'],
    ['rawProcNoCa', 'node', 'bench/raw/start.mjs', ['--kind=process', '--reps=1'], 'no-ca'],
    ['mpProc', 'node', 'bench/mp/start.mjs', ['--context=process', '--tasks=js', '--reps=1'], 'as-is'],
    ['mpProcNoCa', 'node', 'bench/mp/start.mjs', ['--context=process', '--tasks=js', '--reps=1'], 'no-ca'],
    ['mpThread', 'node', 'bench/mp/start.mjs', ['--context=thread', '--tasks=js', '--reps=1'], 'as-is'],
    ['mpProcTs', 'node-tsx', 'bench/mp/start.mjs', ['--context=process', '--tasks=ts', '--reps=1'], 'as-is'],
    ['mpThreadTs', 'node-tsx', 'bench/mp/start.mjs', ['--context=thread', '--tasks=ts', '--reps=1'], 'as-is'],
  ];
  const got: Record<string, JobResult[]> = {};
  for (let i = 0; i < n; i++) {
    for (const [key, cmd, file, args, env] of cfg) {
      if (cmd === 'node-tsx' && i >= 3) continue;
      (got[key] ??= []).push(await runScript(`start ${key} #${i + 1}${env === 'no-ca' ? ' (no NODE_EXTRA_CA_CERTS)' : ''}`, cmd, file, args, { env, timeoutMs: 45_000 }));
    }
  }
  const m = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, merge(v)]));
  const pyA = fig(m.py, 'py_start_cold_ms');
  rows.push({
    fig: '6',
    what: 'Pool(2) start -> first apply result',
    ctx: 'process',
    mp: fig(m.mpProc, 'mp_start_cold_ms'),
    anchorName: 'CPython spawn Pool(2)',
    anchor: pyA,
    unit: 'ms',
    kind: 'atMost',
    target: 1,
  });
  rows.push({
    fig: '6',
    what: '  same, NODE_EXTRA_CA_CERTS unset',
    ctx: 'process',
    mp: fig(m.mpProcNoCa, 'mp_start_cold_ms'),
    anchorName: 'CPython spawn Pool(2)',
    anchor: pyA,
    unit: 'ms',
    kind: 'atMost',
    target: 1,
  });
  rows.push({
    fig: '6',
    what: '  same vs raw fork x2 + 1 echo',
    ctx: 'process',
    mp: fig(m.mpProc, 'mp_start_cold_ms'),
    anchorName: 'raw fork x2',
    anchor: fig(m.rawProc, 'raw_process_start_cold_ms'),
    unit: 'ms',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '6',
    what: '  same vs raw, CA_CERTS unset (both)',
    ctx: 'process',
    mp: fig(m.mpProcNoCa, 'mp_start_cold_ms'),
    anchorName: 'raw fork x2',
    anchor: fig(m.rawProcNoCa, 'raw_process_start_cold_ms'),
    unit: 'ms',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '6',
    what: '  same, fn in a .ts module under tsx',
    ctx: 'process',
    mp: fig(m.mpProcTs, 'mp_start_cold_ms'),
    anchorName: 'CPython spawn Pool(2)',
    anchor: pyA,
    unit: 'ms',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '6',
    what: 'Pool(2) start -> first apply result',
    ctx: 'thread',
    mp: fig(m.mpThread, 'mp_start_cold_ms'),
    anchorName: 'raw 2 worker_threads + echo',
    anchor: fig(m.rawThread, 'raw_thread_start_cold_ms'),
    unit: 'ms',
    kind: 'atMost',
    target: 1.1,
  });
  rows.push({
    fig: '6',
    what: '  same, fn in a .ts module under tsx',
    ctx: 'thread',
    mp: fig(m.mpThreadTs, 'mp_start_cold_ms'),
    anchorName: 'raw 2 worker_threads + echo',
    anchor: fig(m.rawThread, 'raw_thread_start_cold_ms'),
    unit: 'ms',
    kind: 'info-atMost',
  });
  // Issue 10: a worker of a program under tsx starts in at most 2x the time of a .js worker.
  rows.push({
    fig: '6',
    what: '  .ts worker under tsx vs .js worker',
    ctx: 'process',
    mp: fig(m.mpProcTs, 'mp_start_cold_ms'),
    anchorName: 'same, fn in a .js module, plain node',
    anchor: fig(m.mpProc, 'mp_start_cold_ms'),
    unit: 'ms',
    kind: 'atMost',
    target: 2,
  });
  rows.push({
    fig: '6',
    what: '  .ts worker under tsx vs .js worker',
    ctx: 'thread',
    mp: fig(m.mpThreadTs, 'mp_start_cold_ms'),
    anchorName: 'same, fn in a .js module, plain node',
    anchor: fig(m.mpThread, 'mp_start_cold_ms'),
    unit: 'ms',
    kind: 'atMost',
    target: 2,
  });
  rows.push({
    fig: '6',
    what: '  warm (2nd pool in the process)',
    ctx: 'process',
    mp: fig(m.mpProc, 'mp_start_warm_ms'),
    anchorName: 'CPython 2nd spawn Pool(2)',
    anchor: fig(m.py, 'py_start_warm_ms'),
    unit: 'ms',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '6',
    what: '  warm (2nd pool in the process)',
    ctx: 'thread',
    mp: fig(m.mpThread, 'mp_start_warm_ms'),
    anchorName: 'raw 2nd start',
    anchor: fig(m.rawThread, 'raw_thread_start_warm_ms'),
    unit: 'ms',
    kind: 'info-atMost',
  });
}

// 7. Queue throughput: a child Process puts, the parent gets (one child per load)
// 7 and 8 compare separate processes (CPython, then multiproc), and both drift with the core
// placement over seconds, so each runs as two passes of CPython / multiproc process /
// multiproc thread, alternating; the samples of the two passes are merged.

/** Two alternating passes of the CPython anchor and the multiproc script in each context. */
async function alternate(label: string, py: [string, string[]], mpScript: string, mpArgs: string[], timeoutMs = 60_000): Promise<{ py: JobResult; mp: Record<string, JobResult> }> {
  const got: Record<string, JobResult[]> = { py: [], process: [], thread: [] };
  const passes = quick ? 1 : 2;
  for (let i = 1; i <= passes; i++) {
    got.py.push(await runScript(`cpython ${label} [spawn] #${i}`, 'python', py[0], py[1], { timeoutMs }));
    for (const ctx of ctxs) got[ctx].push(await runScript(`multiproc ${label} (${ctx}) #${i}`, 'node-tsx', mpScript, [`--context=${ctx}`, ...mpArgs], { timeoutMs }));
  }
  return { py: merge(got.py), mp: { process: merge(got.process), thread: merge(got.thread) } };
}

if (want(7)) {
  const nInts = 200_000;
  const nBlobs = 2_000; // x 64 KiB = 131 MB per timed block
  const reps = 2; // per pass
  const { py, mp } = await alternate(
    'Queue',
    ['bench/python/shared.py', ['queue', String(reps), String(nInts), String(nBlobs)]],
    'bench/mp/queue.ts',
    [`--reps=${reps}`, `--ints=${nInts}`, `--blobs=${nBlobs}`],
    90_000,
  );
  for (const ctx of ctxs) {
    const r = mp[ctx];
    rows.push({
      fig: '7',
      what: 'Queue: child puts 200k ints, parent gets',
      ctx,
      mp: fig(r, 'mp_queue_ints_per_s'),
      anchorName: 'CPython mp.Queue [spawn]',
      anchor: fig(py, 'py_queue_ints_per_s'),
      unit: 'items/s',
      kind: 'faster',
      target: 2,
    });
    rows.push({
      fig: '7',
      what: 'Queue: same with 64 KiB Buffers (2,000)',
      ctx,
      mp: fig(r, 'mp_queue_64k_mb_s'),
      anchorName: 'CPython mp.Queue [spawn]',
      anchor: fig(py, 'py_queue_64k_mb_s'),
      unit: 'MB/s',
      kind: 'faster',
      target: 1,
    });
  }
}

// 8. Manager dict: a child sets 20,000 keys through a proxy

if (want(8)) {
  const n = 20_000;
  const reps = 2; // per pass
  const { py, mp } = await alternate('Manager().dict()', ['bench/python/shared.py', ['dict', String(reps), String(n)]], 'bench/mp/manager.ts', [`--reps=${reps}`, `--n=${n}`]);
  for (const ctx of ctxs) {
    rows.push({
      fig: '8',
      what: 'manager dict: child d.set(i % 100, i) x20k',
      ctx,
      mp: fig(mp[ctx], 'mp_dict_ops_per_s'),
      anchorName: 'CPython Manager().dict() [spawn]',
      anchor: fig(py, 'py_dict_ops_per_s'),
      unit: 'ops/s',
      kind: 'faster',
      target: 3,
    });
  }
  if (hasTaskset) {
    // Both pinned to CPU 0 (parent, child and manager server share it): no cross-core wake-ups.
    const pyPin = await runScript('cpython Manager().dict() [spawn] (pinned to CPU 0)', 'python', 'bench/python/shared.py', ['dict', String(reps), String(n)], { pin: true });
    const r = await runScript('multiproc Manager().dict() (process, pinned to CPU 0)', 'node-tsx', 'bench/mp/manager.ts', ['--context=process', `--reps=${reps}`, `--n=${n}`], {
      pin: true,
    });
    rows.push({
      fig: '8',
      what: '  same, both pinned to one core',
      ctx: 'process',
      mp: fig(r, 'mp_dict_ops_per_s'),
      anchorName: 'CPython Manager().dict() [spawn]',
      anchor: fig(pyPin, 'py_dict_ops_per_s'),
      unit: 'ops/s',
      kind: 'info-faster',
    });
  }
}

// 9, 10. Lock pair and Event set-to-wake from a child (raw unix-socket floor interleaved in
// the same process); CPython's shared-memory Lock and Event for reference.

if (want(9) || want(10)) {
  const py = await runScript('cpython Lock / Event [spawn]', 'python', 'bench/python/shared.py', ['sync', String(3 - R), '20000', '300']);
  const res: Record<string, JobResult> = {};
  for (const ctx of ctxs) {
    res[ctx] = await runScript(`Lock + Event + raw floor (${ctx})`, 'node-tsx', 'bench/mp/sync.ts', [`--context=${ctx}`, `--rounds=${5 - 2 * R}`]);
  }
  let pinned: JobResult | undefined;
  if (hasTaskset)
    pinned = await runScript('Lock + Event + raw floor (process, pinned to CPU 0)', 'node-tsx', 'bench/mp/sync.ts', ['--context=process', `--rounds=${5 - 2 * R}`], { pin: true });
  if (want(9)) {
    for (const ctx of ctxs) {
      rows.push({
        fig: '9',
        what: 'Lock acquire+release pair from a child',
        ctx,
        mp: fig(res[ctx], 'mp_lock_pair_us'),
        anchorName: 'raw unix socket frames',
        anchor: fig(res[ctx], 'raw_unix_us'),
        unit: 'us',
        kind: 'atMost',
        target: 1.5,
      });
      rows.push({
        fig: '9',
        what: '  per request (pair / 2)',
        ctx,
        mp: fig(res[ctx], 'mp_lock_req_us'),
        anchorName: 'raw unix socket frames',
        anchor: fig(res[ctx], 'raw_unix_us'),
        unit: 'us',
        kind: 'info-atMost',
      });
    }
    if (pinned)
      rows.push({
        fig: '9',
        what: '  pair, all pinned to one core',
        ctx: 'process',
        mp: fig(pinned, 'mp_lock_pair_us'),
        anchorName: 'raw unix socket frames',
        anchor: fig(pinned, 'raw_unix_us'),
        unit: 'us',
        kind: 'info-atMost',
      });
    rows.push({
      fig: '9',
      what: '  vs CPython Lock (shared memory)',
      ctx: 'process',
      mp: fig(res.process, 'mp_lock_pair_us'),
      anchorName: 'CPython Lock pair',
      anchor: fig(py, 'py_lock_pair_us'),
      unit: 'us',
      kind: 'info-atMost',
    });
  }
  if (want(10)) {
    for (const ctx of ctxs) {
      rows.push({
        fig: '10',
        what: 'Event set -> waiting child wakes (+Pipe)',
        ctx,
        mp: fig(res[ctx], 'mp_event_wake_us'),
        anchorName: 'raw unix socket frames',
        anchor: fig(res[ctx], 'raw_unix_us'),
        unit: 'us',
        kind: 'atMost',
        target: 1.5,
      });
    }
    if (pinned)
      rows.push({
        fig: '10',
        what: '  same, all pinned to one core',
        ctx: 'process',
        mp: fig(pinned, 'mp_event_wake_us'),
        anchorName: 'raw unix socket frames',
        anchor: fig(pinned, 'raw_unix_us'),
        unit: 'us',
        kind: 'info-atMost',
      });
    rows.push({
      fig: '10',
      what: '  vs CPython Event, same protocol',
      ctx: 'process',
      mp: fig(res.process, 'mp_event_wake_us'),
      anchorName: 'CPython Event set->woke',
      anchor: fig(py, 'py_event_wake_us'),
      unit: 'us',
      kind: 'info-atMost',
    });
  }
}

// 11. Value counter: 2 children each do 200,000 locked increments of one Value('i', 0).
// Separate processes again (CPython, then multiproc), so two alternating passes as in 7 and 8.

if (want(11)) {
  const n = 200_000;
  const reps = 2; // per pass
  const { py, mp } = await alternate(
    'Value counter',
    ['bench/python/shared.py', ['counter', String(reps), String(n)]],
    'bench/mp/counter.ts',
    [`--reps=${reps}`, `--n=${n}`],
    90_000,
  );
  for (const ctx of ctxs) {
    rows.push({
      fig: '11',
      what: 'Value: 2 children x 200k locked += 1',
      ctx,
      mp: fig(mp[ctx], 'mp_counter_ops_per_s'),
      anchorName: 'CPython Value get_lock() [spawn]',
      anchor: fig(py, 'py_counter_ops_per_s'),
      unit: 'ops/s',
      kind: 'faster',
      target: 1,
    });
    rows.push({
      fig: '11',
      what: '  same, acquire()/release(), no await using',
      ctx,
      mp: fig(mp[ctx], 'mp_counter_acqrel_ops_per_s'),
      anchorName: 'CPython Value get_lock() [spawn]',
      anchor: fig(py, 'py_counter_ops_per_s'),
      unit: 'ops/s',
      kind: 'info-faster',
    });
    rows.push({
      fig: '11',
      what: '  one child alone x 200k (no contention)',
      ctx,
      mp: fig(mp[ctx], 'mp_counter_solo_ops_per_s'),
      anchorName: 'CPython, one child alone',
      anchor: fig(py, 'py_counter_solo_ops_per_s'),
      unit: 'ops/s',
      kind: 'info-faster',
    });
  }
}

// 12. Uncontended lock pairs in one process: the Value's shared-memory lock vs CPython's Lock.
// CPython and Node run in separate processes: two alternating passes (one with --quick).

if (want(12)) {
  const got: Record<string, JobResult[]> = { py: [], mp: [] };
  for (let i = 1; i <= (quick ? 1 : 2); i++) {
    got.py.push(await runScript(`cpython Lock / RLock pairs (one process) #${i}`, 'python', 'bench/python/shared.py', ['lock', '3', '1000000']));
    got.mp.push(await runScript(`multiproc Value lock / hub Lock pairs (one process) #${i}`, 'node-tsx', 'bench/mp/shmlock.ts', ['--rounds=3']));
  }
  const py = merge(got.py);
  const r = merge(got.mp);
  const pyLock = fig(py, 'py_lock_local_pair_ns');
  rows.push({
    fig: '12',
    what: 'Value lock: tryAcquire() + releaseSync()',
    ctx: 'process',
    mp: fig(r, 'mp_shm_sync_pair_ns'),
    anchorName: 'CPython Lock() pair',
    anchor: pyLock,
    unit: 'ns',
    kind: 'atMost',
    target: 1,
  });
  rows.push({
    fig: '12',
    what: '  same lock, await acquire + await release',
    ctx: 'process',
    mp: fig(r, 'mp_shm_pair_ns'),
    anchorName: 'CPython Lock() pair',
    anchor: pyLock,
    unit: 'ns',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '12',
    what: '  new Lock(), tryAcquire() + releaseSync()',
    ctx: 'process',
    mp: fig(r, 'mp_lock_sync_pair_ns'),
    anchorName: 'CPython Lock() pair',
    anchor: pyLock,
    unit: 'ns',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '12',
    what: '  same lock, await using lock.enter()',
    ctx: 'process',
    mp: fig(r, 'mp_shm_enter_ns'),
    anchorName: 'CPython Lock() pair',
    anchor: pyLock,
    unit: 'ns',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '12',
    what: '  same vs CPython Value get_lock() (RLock)',
    ctx: 'process',
    mp: fig(r, 'mp_shm_pair_ns'),
    anchorName: 'CPython RLock pair',
    anchor: fig(py, 'py_rlock_local_pair_ns'),
    unit: 'ns',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '12',
    what: '  Node floor: CAS + 2 awaited promises',
    ctx: 'process',
    mp: fig(r, 'raw_await_pair_ns'),
    anchorName: 'CPython Lock() pair',
    anchor: pyLock,
    unit: 'ns',
    kind: 'info-atMost',
  });
  rows.push({
    fig: '12',
    what: '  hub-based new Lock(), same loop',
    ctx: 'process',
    mp: fig(r, 'mp_hub_pair_ns'),
    anchorName: 'Value lock pair',
    anchor: fig(r, 'mp_shm_pair_ns'),
    unit: 'ns',
    kind: 'info-atMost',
  });
}

// 13. 100 MiB SharedArray('B') written and read through its view in a child, beside memcpy
// between two plain buffers timed in the same child (interleaved rep by rep).

if (want(13)) {
  for (const ctx of ctxs) {
    const r = await runScript(`multiproc 100 MiB SharedArray + memcpy (${ctx})`, 'node-tsx', 'bench/mp/bulk.ts', [`--context=${ctx}`, '--blocks=2', `--reps=${5 - 2 * R}`]);
    rows.push({
      fig: '13',
      what: '100 MiB SharedArray: child view.set(src)',
      ctx,
      mp: fig(r, 'mp_write_gb_s'),
      anchorName: 'memcpy plain.set(src)',
      anchor: fig(r, 'memcpy_gb_s'),
      unit: 'GB/s',
      kind: 'atMost',
      target: 2,
    });
    rows.push({
      fig: '13',
      what: '100 MiB SharedArray: child Buffer.compare',
      ctx,
      mp: fig(r, 'mp_read_gb_s'),
      anchorName: 'memcpy plain.set(src)',
      anchor: fig(r, 'memcpy_gb_s'),
      unit: 'GB/s',
      kind: 'atMost',
      target: 2,
    });
    rows.push({
      fig: '13',
      what: '  same vs compare of 2 plain buffers',
      ctx,
      mp: fig(r, 'mp_read_gb_s'),
      anchorName: 'plain Buffer.compare',
      anchor: fig(r, 'memcmp_gb_s'),
      unit: 'GB/s',
      kind: 'info-atMost',
    });
  }
}

// 14. Watching and sizing a pool: figure 2's map with onProgress and with stats() read every
// 10 ms against the same map without (interleaved in one process; info rows: the same as the
// main thread's CPU time, where the watching costs, steadier on a busy machine; and an A/A row,
// the plain map against itself, for the noise floor); an idle pool with
// minProcesses 0 back to zero workers (anchor: its idleTimeout); tasksPerWorker 16 vs 1 on
// 1,000 async 10 ms waits (bench/mp/watch.ts).

if (want(14)) {
  for (const ctx of ctxs) {
    const r = await runScript(`multiproc watch and size (${ctx})`, 'node-tsx', 'bench/mp/watch.ts', [`--context=${ctx}`, `--reps=${5 - 2 * R}`], { timeoutMs: 180_000 });
    rows.push({
      fig: '14',
      what: '20k x map(chunksize 1) with onProgress',
      ctx,
      mp: fig(r, 'mp_watch_progress_ms'),
      anchorName: 'same map without',
      anchor: fig(r, 'mp_watch_plain_ms'),
      unit: 'ms',
      kind: 'atMost',
      target: 1.03,
    });
    rows.push({
      fig: '14',
      what: '  same, main-thread CPU',
      ctx,
      mp: fig(r, 'mp_watch_progress_cpu_ms'),
      anchorName: 'same map without',
      anchor: fig(r, 'mp_watch_plain_cpu_ms'),
      unit: 'ms',
      kind: 'info-atMost',
    });
    rows.push({
      fig: '14',
      what: '20k x map(chunksize 1), stats() every 10 ms',
      ctx,
      mp: fig(r, 'mp_watch_stats_ms'),
      anchorName: 'same map without',
      anchor: fig(r, 'mp_watch_plain_ms'),
      unit: 'ms',
      kind: 'atMost',
      target: 1.03,
    });
    rows.push({
      fig: '14',
      what: '  same, main-thread CPU',
      ctx,
      mp: fig(r, 'mp_watch_stats_cpu_ms'),
      anchorName: 'same map without',
      anchor: fig(r, 'mp_watch_plain_cpu_ms'),
      unit: 'ms',
      kind: 'info-atMost',
    });
    rows.push({
      fig: '14',
      what: '  A/A: the same map without, again',
      ctx,
      mp: fig(r, 'mp_watch_again_ms'),
      anchorName: 'same map without',
      anchor: fig(r, 'mp_watch_plain_ms'),
      unit: 'ms',
      kind: 'info-atMost',
    });
    rows.push({
      fig: '14',
      what: '  same, main-thread CPU',
      ctx,
      mp: fig(r, 'mp_watch_again_cpu_ms'),
      anchorName: 'same map without',
      anchor: fig(r, 'mp_watch_plain_cpu_ms'),
      unit: 'ms',
      kind: 'info-atMost',
    });
    rows.push({
      fig: '14',
      what: 'idle Pool(2, minProcesses 0) -> 0 workers',
      ctx,
      mp: fig(r, 'mp_idle_zero_ms'),
      anchorName: 'its idleTimeout',
      anchor: fig(r, 'idle_timeout_ms'),
      unit: 'ms',
      kind: 'atMost',
      target: 1.5,
    });
    rows.push({
      fig: '14',
      what: '1,000 x 10 ms async waits, tasksPerWorker 16',
      ctx,
      mp: fig(r, 'mp_tpw16_ms'),
      anchorName: 'tasksPerWorker 1',
      anchor: fig(r, 'mp_tpw1_ms'),
      unit: 'ms',
      kind: 'speedup',
      target: 10,
    });
  }
}

// 15. The cluster context (bench/cluster.ts) on a private Redis, one `multiproc worker` with 2
// processes on this machine; anchors: raw BullMQ (bench/raw/bullmq.ts, its own process) and a
// local process Pool(2). Skipped with one line when no redis-server can be had.

if (want(15)) {
  const { redisUnavailable, startRedis } = await import('../test/support/redis-server.ts');
  const why = redisUnavailable();
  if (why) {
    console.log(`figure 15 (cluster) skipped: ${why}`);
  } else {
    const redis = await startRedis();
    try {
      const reps = `--reps=${5 - 2 * R}`;
      const c = await runScript('multiproc cluster (1 worker, 2 processes)', 'node-tsx', 'bench/cluster.ts', [`--redis=${redis.url}`, reps], { timeoutMs: 900_000 });
      const bulk = await runScript('raw BullMQ addBulk + Worker(concurrency 2)', 'node-tsx', 'bench/raw/bullmq.ts', [`--redis=${redis.url}`, '--mode=bulk', reps], {
        timeoutMs: 600_000,
      });
      const rtt = await runScript('raw BullMQ add -> waitUntilFinished', 'node-tsx', 'bench/raw/bullmq.ts', [`--redis=${redis.url}`, '--mode=rtt', reps], { timeoutMs: 300_000 });
      rows.push({
        fig: '15',
        what: '20k x cluster apply at once',
        ctx: 'cluster',
        mp: fig(c, 'cluster_apply_ips'),
        anchorName: 'raw BullMQ addBulk+Worker(2)',
        anchor: fig(bulk, 'raw_bulk_ips'),
        unit: 'items/s',
        kind: 'atMost',
        target: 1.25,
      });
      rows.push({
        fig: '15',
        what: 'cluster map x*2 over 200k ints',
        ctx: 'cluster',
        mp: fig(c, 'cluster_map_ms'),
        anchorName: 'local process Pool(2).map',
        anchor: fig(c, 'local_map_ms'),
        unit: 'ms',
        kind: 'atMost',
        target: 3,
      });
      rows.push({
        fig: '15',
        what: 'sequential await cluster apply',
        ctx: 'cluster',
        mp: fig(c, 'cluster_rtt_us'),
        anchorName: 'raw BullMQ add->waitUntilFinished',
        anchor: fig(rtt, 'raw_rtt_us'),
        unit: 'us',
        kind: 'atMost',
        target: 1.5,
      });
    } finally {
      await redis.stop();
    }
  }
}

// ---------------------------------------------------------------------------------------------

console.log('');
printTable();
console.log('');
console.log(
  'Medians of repeated samples. Ratios: "x faster" = anchor/multiproc, "x anchor" = multiproc/anchor, ' +
    'speedup = Pool(1) time / Pool(2) time. Round trips (3, 4) interleave multiproc and the raw floor in one process; "pinned" rows run it all on CPU 0 (taskset). ' +
    'Start (6): cold = first pool in a fresh process, library already imported; "CA_CERTS unset" runs the ' +
    'benchmark process (and so its children) without NODE_EXTRA_CA_CERTS. Shared objects (7-10): rates are ' +
    'higher-is-better, so "x faster" = multiproc/anchor there; 9 and 10 interleave multiproc and the raw floor in one process. ' +
    'Shared memory (11-13): 11 is a rate ("x faster" = multiproc/CPython); "x anchor time" (13) = anchor rate / multiproc rate, ' +
    "i.e. multiproc's time per 100 MiB over memcpy's, both timed in the same child. " +
    'Watching and sizing (14): overhead rows compare with the same map in the same process, interleaved ("main-thread CPU": the CPU time of the thread that runs the pool, steadier than wall time on a busy machine; "A/A": the plain map against itself, the noise floor of those ratios); speedup = tasksPerWorker 1 time / tasksPerWorker 16 time. ' +
    '(info) rows have no target.',
);
console.log(
  `total ${((Date.now() - t0) / 1000).toFixed(0)} s, load average at the end ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
if (jsonOut) {
  fs.writeFileSync(jsonOut, JSON.stringify({ rows: rows.map((r) => ({ ...r, ...judge(r) })), runs: allRuns }, null, 2));
  console.log(`samples written to ${jsonOut}`);
}
