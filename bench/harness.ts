// The benchmark runner's plumbing: the command-line options, running one measurement script in
// a fresh child process (`runScript`), merging the samples of several runs, and alternating
// passes of several scripts (`alternate`). The figures (bench/figures-*.ts) build on these;
// bench/report.ts turns the samples into rows.
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// ---------------------------------------------------------------------------------------------
// Options: --only=1,3,6  --quick  --verbose  --json=FILE

const argv = process.argv.slice(2);
function opt(name: string): string | undefined {
  const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}
export const quick = opt('quick') !== undefined;
export const verbose = opt('verbose') !== undefined;
export const jsonOut = opt('json') || undefined;
/** The headline figures, which `--quick` alone runs (in under a minute on the 2-core VM). */
export const QUICK_FIGURES = ['1', '2', '3', '6', '7', '8'];
const onlyText = opt('only');
const only = onlyText ? new Set(onlyText.split(',').map((s) => s.trim())) : quick ? new Set(QUICK_FIGURES) : null;
export const want = (fig: number): boolean => !only || only.has(String(fig));

/**
 * Repetitions: `full` in a normal run (every figure's median stands on >= 5 samples), `fast` with
 * --quick (fewer, still a median).
 */
export const reps = (full: number, fast: number): number => (quick ? fast : full);
/** Passes of alternating scripts (CPython / multiproc): two in a normal run, one with --quick. */
export const PASSES = quick ? 1 : 2;

export const ctxs = ['process', 'thread'] as const;
export type Ctx = (typeof ctxs)[number];

/** Pinned variants (taskset -c 0) run only in a normal run, and only where taskset exists. */
export const pinRows =
  !quick &&
  (() => {
    try {
      execFileSync('taskset', ['-c', '0', 'true']);
      return true;
    } catch {
      return false;
    }
  })();

// ---------------------------------------------------------------------------------------------
// Running one script

export type Samples = Record<string, number[]>;
export interface JobResult {
  samples: Samples;
  errors: Record<string, string>;
  extra: Record<string, unknown>;
  failure?: string; // the script crashed, timed out, or printed nothing
}
export type EnvMode = 'as-is' | 'no-ca';
export type Cmd = 'node' | 'node-tsx' | 'python';
export interface RunOptions {
  env?: EnvMode;
  timeoutMs?: number;
  pin?: boolean;
}

/** Every script run, for --json. */
export const allRuns: Array<{ name: string; result: JobResult }> = [];

function parseResult(out: string, err: string, code: number | null, signal: string | null, timedOut: boolean, timeoutMs: number): JobResult {
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
  return result;
}

/** Runs one measurement script in a fresh process and parses its last JSON line. Never rejects. */
export function runScript(name: string, cmd: Cmd, file: string, args: string[] = [], { env = 'as-is', timeoutMs = 60_000, pin = false }: RunOptions = {}): Promise<JobResult> {
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
  process.stderr.write(`  ${name}${pin ? ' (pinned to CPU 0)' : ''}${env === 'no-ca' ? ' (no NODE_EXTRA_CA_CERTS)' : ''} ... `);
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
    cp.on('error', (e) => (err += `error: ${e.message}\n`));
    cp.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = parseResult(out, err, code, signal, timedOut, timeoutMs);
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
export function merge(results: JobResult[]): JobResult {
  const m: JobResult = { samples: {}, errors: {}, extra: {} };
  for (const r of results) {
    for (const [k, v] of Object.entries(r.samples)) (m.samples[k] ??= []).push(...v);
    Object.assign(m.errors, r.errors);
    Object.assign(m.extra, r.extra);
    if (r.failure && !m.failure) m.failure = r.failure;
  }
  return m;
}

/** One script of an alternation: what runScript takes, minus the label's pass number. */
export type Job = [name: string, cmd: Cmd, file: string, args: string[], opts?: RunOptions];

/**
 * Runs `passes` passes of the jobs, in order within each pass, and merges each job's samples
 * over the passes. Separate processes (CPython, multiproc in each context) drift with the core
 * placement over seconds; alternating them spreads that drift over all of them.
 */
export async function alternate<K extends string>(passes: number, jobs: Record<K, Job | null>): Promise<Record<K, JobResult>> {
  const got = {} as Record<K, JobResult[]>;
  for (let i = 1; i <= passes; i++) {
    for (const key of Object.keys(jobs) as K[]) {
      const job = jobs[key];
      if (!job) continue;
      const [name, cmd, file, args, opts] = job;
      (got[key] ??= []).push(await runScript(passes > 1 ? `${name} #${i}` : name, cmd, file, args, opts));
    }
  }
  const out = {} as Record<K, JobResult>;
  for (const key of Object.keys(jobs) as K[]) if (got[key]) out[key] = merge(got[key]);
  return out;
}

/** The same multiproc script once per context: `--context=<ctx>` first, then `args`. */
export function perCtx(label: string, file: string, args: string[], opts?: RunOptions): Record<Ctx, Job> {
  const job = (ctx: Ctx): Job => [`${label} (${ctx})`, 'node-tsx', file, [`--context=${ctx}`, ...args], opts];
  return { process: job('process'), thread: job('thread') };
}

/** Runs one job now (a single pass). */
export function runJob([name, cmd, file, args, opts]: Job): Promise<JobResult> {
  return runScript(name, cmd, file, args, opts);
}
