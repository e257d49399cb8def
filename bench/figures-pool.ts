// Figures 1-6: the Pool and the Pipe (map, chunksize-1 dispatch, apply round trip, Pipe round
// trip, CPU-bound speedup, start-up). Each function runs its scripts and adds its rows; goals
// are those of issue 15. Method notes: bench/README.md.
import { alternate, ctxs, perCtx, pinRows, quick, reps, runJob, runScript, PASSES, type EnvMode, type Job } from './harness.ts';
import { add, atMost, faster, fig, speedup } from './report.ts';

// 1. map of a trivial function over 200,000 ints, default chunksize, 2 workers. CPython and
// multiproc run in separate processes, so two alternating passes (one with --quick); each
// pass gives 5 timed maps and 3 "incl. start" samples per script.

export async function figure1(): Promise<void> {
  const n = 5;
  const r = await alternate(PASSES, {
    py: ['cpython map', 'python', 'bench/python/bench.py', ['map', String(n)]],
    ...perCtx('multiproc map', 'bench/mp/map.ts', [`--reps=${n}`]),
  });
  const py = `CPython Pool(2).map [${r.py.extra.start_method ?? '?'}]`;
  for (const ctx of ctxs) {
    add(1, ctx, 'ms', 'map x*2 over 200k ints (map call only)', fig(r[ctx], 'mp_map_ms'), py, fig(r.py, 'py_map_ms'), faster(2));
    add(1, ctx, 'ms', '  same, incl. Pool start (tsx workers)', fig(r[ctx], 'mp_map_total_ms'), 'CPython Pool(2) + map', fig(r.py, 'py_map_total_ms'), faster());
  }
}

// 2. dispatch, chunksize 1, 20,000 tasks at once: CPython anchors both contexts; poolifier is
// the thread context's second anchor.

export async function figure2(): Promise<void> {
  const n = reps(5, 3);
  // --quick: CPython times only the chunksize-1 map (its 20k apply_async take ~2 s a sample).
  const pyArgs = ['dispatch', String(n), ...(quick ? ['map1'] : [])];
  const py = await runScript('cpython dispatch', 'python', 'bench/python/bench.py', pyArgs, { timeoutMs: 90_000 });
  const pf = quick ? undefined : await runScript('poolifier FixedThreadPool(2)', 'node-tsx', 'bench/poolifier/dispatch.ts', [`--reps=${n}`]);
  const jobs = perCtx('multiproc dispatch', 'bench/mp/dispatch.ts', [`--reps=${n}`], { timeoutMs: 120_000 });
  const r = { process: await runJob(jobs.process), thread: await runJob(jobs.thread) };
  const pyApply = ['CPython 20k apply_async+get', fig(py, 'py_apply_async_ms')] as const;
  const pyMap = ['CPython map(chunksize=1)', fig(py, 'py_map_chunk1_ms')] as const;
  const pfRun = ['poolifier 20k execute', fig(pf, 'poolifier_ms')] as const;
  const apply = '20k x apply(x*2) at once (Promise.all)';
  const map = '20k x map(x*2, chunksize 1)';
  add(2, 'process', 'ms', map, fig(r.process, 'mp_map_chunk1_ms'), ...pyMap, faster(3.5));
  if (!quick) add(2, 'process', 'ms', apply, fig(r.process, 'mp_apply_all_ms'), ...pyApply, faster(2.5));
  add(2, 'thread', 'ms', map, fig(r.thread, 'mp_map_chunk1_ms'), ...pyMap, faster(4));
  add(2, 'thread', 'ms', apply, fig(r.thread, 'mp_apply_all_ms'), ...pyApply, faster());
  if (quick) return; // poolifier, the second anchor, only in a full run
  add(2, 'thread', 'ms', `  ${map} vs poolifier`, fig(r.thread, 'mp_map_chunk1_ms'), ...pfRun, faster(2));
  add(2, 'thread', 'ms', '  20k x apply at once vs poolifier', fig(r.thread, 'mp_apply_all_ms'), ...pfRun, faster(2));
}

// 3. sequential apply round trip; 4. Pipe round trip. The raw floor runs in the same process,
// block by block interleaved; pinned variants (all on CPU 0) as info rows in a normal run.

const rawAnchor = {
  3: { process: ['raw fd3 pipe frames', 'raw_fd3_us'], thread: ['raw postMessage echo', 'raw_port_us'] },
  4: { process: ['raw unix socket frames', 'raw_unix_us'], thread: ['raw unix socket frames', 'raw_unix_us'] },
} as const;

async function roundTrip(figNo: 3 | 4, label: string, file: string, key: string, what: string, target: number): Promise<void> {
  const rounds = `--rounds=${reps(7, 3)}`;
  for (const ctx of ctxs) {
    const r = await runScript(`${label} + raw floor (${ctx})`, 'node-tsx', file, [`--context=${ctx}`, rounds]);
    const [name, rawKey] = rawAnchor[figNo][ctx];
    add(figNo, ctx, 'us', what, fig(r, key), name, fig(r, rawKey), atMost(target));
    if (figNo === 3 && ctx === 'process') add(3, ctx, 'us', '  same vs bare fork IPC echo', fig(r, key), 'raw fork IPC', fig(r, 'raw_ipc_us'), atMost());
    if (figNo === 4 && ctx === 'thread') add(4, ctx, 'us', '  same vs MessagePort echo', fig(r, key), 'raw postMessage echo', fig(r, 'raw_port_us'), atMost());
  }
  if (!pinRows) return;
  // Pinned to one core: no cross-core wake-ups, so the ratio is the per-message CPU cost.
  for (const ctx of ctxs) {
    const r = await runScript(`${label} + raw floor (${ctx})`, 'node-tsx', file, [`--context=${ctx}`, `--rounds=5`], { pin: true });
    const [name, rawKey] = rawAnchor[figNo][ctx];
    add(figNo, ctx, 'us', '  same, all pinned to one core', fig(r, key), name, fig(r, rawKey), atMost());
  }
}

export const figure3 = () => roundTrip(3, 'apply round trip', 'bench/mp/rtt.ts', 'mp_rtt_us', 'sequential await apply, per round trip', 1.25);
export const figure4 = () => roundTrip(4, 'Pipe round trip', 'bench/mp/pipe.ts', 'mp_pipe_us', 'Pipe send+recv echo, per round trip', 1.2);

// 5. CPU-bound: 40 x 20 ms tasks, Pool(1) vs Pool(2), alternating in one process.

export async function figure5(): Promise<void> {
  const n = reps(5, 3);
  const py = await runScript('cpython cpu Pool(1)/Pool(2)', 'python', 'bench/python/bench.py', ['cpu', String(n)]);
  for (const ctx of ctxs) {
    const r = await runScript(`multiproc cpu (${ctx})`, 'node-tsx', 'bench/mp/cpu.ts', [`--context=${ctx}`, `--reps=${n}`]);
    const pool1 = ['multiproc Pool(1)', fig(r, 'mp_cpu_1_ms')] as const;
    add(5, ctx, 'ms', '40 x 20 ms CPU tasks: Pool(2) vs Pool(1)', fig(r, 'mp_cpu_2_ms'), ...pool1, speedup(1.95));
    add(5, ctx, 'ms', '  machine ceiling: 2 raw threads, same work', fig(r, 'raw_cpu_2_ms'), ...pool1, speedup());
  }
  add(5, 'process', 'ms', '  CPython, same shape (reference)', fig(py, 'py_cpu_2_ms'), 'CPython Pool(1)', fig(py, 'py_cpu_1_ms'), faster());
}

// 6. Pool(2) start to the first result: one fresh process per sample, configurations
// interleaved (5 passes; 3 with --quick, which leaves out the raw process and tsx variants).

export async function figure6(): Promise<void> {
  const ca = Boolean(process.env.NODE_EXTRA_CA_CERTS);
  const full = !quick;
  const start = (kind: string, cmd: 'node' | 'node-tsx', file: string, args: string[], env: EnvMode = 'as-is'): Job => [
    `start ${kind}`,
    cmd,
    file,
    [...args, '--reps=1'],
    { env, timeoutMs: 45_000 },
  ];
  const mpStart = (ctx: string, tasks: string) => ['--context=' + ctx, '--tasks=' + tasks];
  const m = await alternate(reps(5, 3), {
    py: ['start cpython spawn', 'python', 'bench/python/bench.py', ['start', '1']],
    rawThread: start('raw thread', 'node', 'bench/raw/start.mjs', ['--kind=thread']),
    rawProc: full ? start('raw process', 'node', 'bench/raw/start.mjs', ['--kind=process']) : null,
    rawProcNoCa: full && ca ? start('raw process', 'node', 'bench/raw/start.mjs', ['--kind=process'], 'no-ca') : null,
    mpProc: start('multiproc process', 'node', 'bench/mp/start.mjs', mpStart('process', 'js')),
    mpProcNoCa: ca ? start('multiproc process', 'node', 'bench/mp/start.mjs', mpStart('process', 'js'), 'no-ca') : null,
    mpThread: start('multiproc thread', 'node', 'bench/mp/start.mjs', mpStart('thread', 'js')),
    mpProcTs: full ? start('multiproc process .ts', 'node-tsx', 'bench/mp/start.mjs', mpStart('process', 'ts')) : null,
    mpThreadTs: full ? start('multiproc thread .ts', 'node-tsx', 'bench/mp/start.mjs', mpStart('thread', 'ts')) : null,
  });
  const cold = 'mp_start_cold_ms';
  const py = ['CPython spawn Pool(2)', fig(m.py, 'py_start_cold_ms')] as const;
  const rawThread = ['raw 2 worker_threads + echo', fig(m.rawThread, 'raw_thread_start_cold_ms')] as const;
  const what = 'Pool(2) start -> first apply result';
  add(6, 'process', 'ms', `${what}${ca ? ', CA_CERTS unset' : ''}`, fig(ca ? m.mpProcNoCa : m.mpProc, cold), ...py, atMost(1));
  if (ca) add(6, 'process', 'ms', '  same, NODE_EXTRA_CA_CERTS set', fig(m.mpProc, cold), ...py, atMost(1.3));
  add(6, 'process', 'ms', '  same vs raw fork x2 + 1 echo', fig(m.mpProc, cold), 'raw fork x2', fig(m.rawProc, 'raw_process_start_cold_ms'), atMost());
  if (ca) add(6, 'process', 'ms', '  same vs raw, CA_CERTS unset (both)', fig(m.mpProcNoCa, cold), 'raw fork x2', fig(m.rawProcNoCa, 'raw_process_start_cold_ms'), atMost());
  add(6, 'thread', 'ms', what, fig(m.mpThread, cold), ...rawThread, atMost(1.1));
  if (full) {
    // Issue 10: a worker of a program under tsx starts in at most 2x the time of a .js worker.
    const ts = '  .ts worker under tsx vs .js worker';
    const js = 'same, fn in a .js module, plain node';
    add(6, 'process', 'ms', ts, fig(m.mpProcTs, cold), js, fig(m.mpProc, cold), atMost(2));
    add(6, 'thread', 'ms', ts, fig(m.mpThreadTs, cold), js, fig(m.mpThread, cold), atMost(2));
  }
  add(6, 'process', 'ms', '  same, fn in a .ts module under tsx', fig(m.mpProcTs, cold), ...py, atMost());
  add(6, 'thread', 'ms', '  same, fn in a .ts module under tsx', fig(m.mpThreadTs, cold), ...rawThread, atMost());
  add(6, 'process', 'ms', '  warm (2nd pool in the process)', fig(m.mpProc, 'mp_start_warm_ms'), 'CPython 2nd spawn Pool(2)', fig(m.py, 'py_start_warm_ms'), atMost());
  add(6, 'thread', 'ms', '  warm (2nd pool in the process)', fig(m.mpThread, 'mp_start_warm_ms'), 'raw 2nd start', fig(m.rawThread, 'raw_thread_start_warm_ms'), atMost());
}
