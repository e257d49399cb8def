// Figure 6: pool start to first result, run in a FRESH process by bench/run.ts:
//   t0; pool = new Pool({ processes: 2, context }); await pool.apply(double, [1]); t1
// Plain JavaScript so it runs under plain `node` (--tasks=js: `double` from tasks-plain.mjs,
// compared on equal terms with the plain-JS raw anchors) or under `node --import tsx`
// (--tasks=ts: `double` from tasks.ts, what a TypeScript user run through tsx gets).
// The library is imported before t0 (as CPython's anchor imports multiprocessing.pool first).
// First measurement = cold (includes one-time library set-up); --reps more = warm.
const argOf = (name, def) => (process.argv.find((a) => a.startsWith(`--${name}=`)) ?? `--${name}=${def}`).slice(name.length + 3);
const context = argOf('context', 'process');
const tasks = argOf('tasks', 'js');
const reps = Number(argOf('reps', '2'));

const out = { samples: {}, errors: {}, context, tasks };
let mp;
try {
  mp = await import('multiproc');
} catch (e) {
  out.errors.start = `cannot import 'multiproc': ${e?.code ?? ''} ${String(e?.message ?? e).split('\n')[0]}`;
}
if (mp && mp.isMainEntry(import.meta.url)) {
  const { double } = tasks === 'ts' ? await import('../tasks.ts') : await import('../tasks-plain.mjs');
  const timeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what} did not settle within ${ms} ms`)), ms).unref())]);
  const cold = [];
  const warm = [];
  try {
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      const pool = new mp.Pool({ processes: 2, context });
      let r;
      try {
        r = await timeout(pool.apply(double, [1]), 30_000, 'first pool.apply');
      } finally {
        var dt = performance.now() - t0;
        await Promise.race([pool.terminate(), new Promise((res) => setTimeout(res, 5000).unref())]);
      }
      if (r !== 2) throw new Error(`pool.apply(double, [1]) returned ${String(r)}`);
      (i === 0 ? cold : warm).push(dt);
    }
    out.samples.mp_start_cold_ms = cold;
    out.samples.mp_start_warm_ms = warm;
  } catch (e) {
    out.errors.start = `${e?.code ? `[${e.code}] ` : ''}${String(e?.message ?? e).split('\n')[0]}`;
  }
}
if (mp || Object.keys(out.errors).length) process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
