// The benchmark report: figures (median, sample count and range of one sample key), rows (a
// multiproc figure beside its anchor from the same run, with a goal), judging a row
// (ratio, PASS/MISS), and printing the table, its header (machine, date, load at the start)
// and footer (load at the end), plus the --json file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { median } from './lib.ts';
import { allRuns, quick, root, type JobResult } from './harness.ts';

// ---------------------------------------------------------------------------------------------
// Figures: one sample key of one script's result

export interface Fig {
  value?: number; // the median
  n?: number;
  lo?: number;
  hi?: number;
  error?: string;
  /** The script ran cleanly but does not emit this key (yet). */
  missing?: boolean;
}

export function fig(r: JobResult | undefined, key: string): Fig {
  if (!r) return { error: 'not run' };
  const xs = r.samples[key];
  if (xs && xs.length) return { value: median(xs), n: xs.length, lo: Math.min(...xs), hi: Math.max(...xs) };
  const mpError = r.extra.mpError as string | null | undefined;
  if (key.startsWith('mp_') && mpError) return { error: mpError };
  const errs = Object.values(r.errors);
  if (errs.length) return { error: errs[0] };
  if (r.failure) return { error: r.failure };
  return { error: `no samples for ${key}`, missing: true };
}

// ---------------------------------------------------------------------------------------------
// Rows and goals

/** Times (lower is better) or rates (higher is better: items/s, ops/s, MB/s, GB/s). */
export type Unit = 'ms' | 'us' | 'ns' | 'items/s' | 'ops/s' | 'MB/s' | 'GB/s';
const isRate = (u: Unit) => u !== 'ms' && u !== 'us' && u !== 'ns';

/**
 * faster: anchor time / multiproc time >= target; atMost: multiproc time / anchor time <= target;
 * speedup: anchor time / multiproc time >= target (Pool(1) / Pool(2)). No target: an info row.
 */
export interface Goal {
  kind: 'faster' | 'atMost' | 'speedup';
  target?: number;
  /** Shown instead of an error when a sample key is missing (a script not updated yet). */
  ifMissing?: string;
  /**
   * Judge by the median of per-round ratios (multiproc's time / the anchor's in the same round)
   * instead of the ratio of the two medians: for overheads of a few % measured interleaved in one
   * process, pairing cancels the drift both share (load, GC, JIT) and the A/A row shows what is left.
   */
  paired?: Fig;
}
export const faster = (target?: number): Goal => ({ kind: 'faster', target });
export const atMost = (target?: number): Goal => ({ kind: 'atMost', target });
/** atMost, judged by the median of per-round ratios (see Goal.paired). */
export const pairedAtMost = (paired: Fig, target?: number): Goal => ({ kind: 'atMost', target, paired });
export const speedup = (target?: number): Goal => ({ kind: 'speedup', target });

export interface Row {
  fig: string;
  ctx: string;
  what: string;
  unit: Unit;
  mp: Fig;
  anchorName: string;
  anchor: Fig;
  goal: Goal;
}
export const rows: Row[] = [];

/** Adds one row. With --quick, rows without a target (info rows) are left out. */
export function add(figNo: number, ctx: string, unit: Unit, what: string, mp: Fig, anchorName: string, anchor: Fig, goal: Goal): void {
  if (quick && goal.target === undefined) return;
  rows.push({ fig: String(figNo), ctx, what, unit, mp, anchorName, anchor, goal });
}

function fmtNum(x: number): string {
  return x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2);
}
function fmt(v: number | undefined, unit: Unit, withUnit = true): string {
  if (v === undefined) return '';
  const u = (s: string) => (withUnit ? ` ${s}` : '');
  if (unit === 'items/s' || unit === 'ops/s') {
    return v >= 1e6 ? `${fmtNum(v / 1e6)}M${u(unit)}` : v >= 1e3 ? `${fmtNum(v / 1e3)}k${u(unit)}` : `${fmtNum(v)}${u(unit)}`;
  }
  if (unit === 'ns' && v >= 10_000) return `${fmtNum(v / 1000)}${u('µs')}`;
  return `${fmtNum(v)}${u(unit === 'us' ? 'µs' : unit)}`;
}
/** "n=7 12.1-14.0": the sample count and the range beside a median. */
function spread(f: Fig, unit: Unit): string {
  if (f.value === undefined || f.n === undefined) return '';
  return f.n === 1 ? 'n=1' : `n=${f.n} ${fmt(f.lo, unit, false)}-${fmt(f.hi, unit, false)}`;
}

export interface Verdict {
  ratio: string;
  goal: string;
  result: 'PASS' | 'MISS' | 'ERROR' | 'NO ANCHOR' | '-';
  value?: number;
}

export function judge(row: Row): Verdict {
  const { mp, anchor, unit } = row;
  const { kind, target } = row.goal;
  const info = target === undefined;
  const timeWord = isRate(unit) ? ' time' : '';
  const goal = info ? '(info)' : kind === 'faster' ? `>= ${target}x faster` : kind === 'atMost' ? `<= ${target}x anchor${timeWord}` : `speedup >= ${target}`;
  if (row.goal.ifMissing && (mp.missing || anchor.missing)) return { ratio: 'not measured', goal, result: '-' };
  if (mp.error !== undefined) return { ratio: '', goal, result: info ? '-' : 'ERROR' };
  if (anchor.error !== undefined || !anchor.value) return { ratio: '', goal, result: info ? '-' : 'NO ANCHOR' };
  // Both as times: for rates (higher is better) the ratio is taken the other way round.
  const [m, a] = isRate(unit) ? [anchor.value, mp.value!] : [mp.value!, anchor.value];
  if (kind === 'atMost') {
    const paired = row.goal.paired?.value;
    const r = paired ?? m / a; // multiproc's time / the anchor's time
    const how = paired === undefined ? '' : ' (paired)';
    return { ratio: `${r.toFixed(2)}x anchor${timeWord}${how}`, goal, result: info ? '-' : r <= target ? 'PASS' : 'MISS', value: r };
  }
  const r = a / m;
  const ratio = kind === 'faster' ? `${r.toFixed(2)}x faster` : `speedup ${r.toFixed(2)}`;
  return { ratio, goal, result: info ? '-' : r >= target ? 'PASS' : 'MISS', value: r };
}

// ---------------------------------------------------------------------------------------------
// Printing

export function printTable(): void {
  const header = ['#', 'figure', 'ctx', 'multiproc', 'samples', 'anchor (same run)', 'samples', 'ratio', 'goal', 'result'];
  const notes: string[] = [];
  const note = (text: string) => {
    let k = notes.indexOf(text);
    if (k < 0) k = notes.push(text) - 1;
    return `[${k + 1}]`;
  };
  const lines = rows.map((row) => {
    const j = judge(row);
    let mpText = row.mp.error !== undefined ? `error: ${row.mp.error}` : fmt(row.mp.value, row.unit);
    let anchorText = row.anchor.error !== undefined ? `${row.anchorName}: error: ${row.anchor.error}` : `${row.anchorName} ${fmt(row.anchor.value, row.unit)}`;
    if (j.ratio === 'not measured') {
      const n = note(row.goal.ifMissing!);
      if (row.mp.missing) mpText = `- ${n}`;
      if (row.anchor.missing) anchorText = `${row.anchorName} - ${n}`;
    }
    return [row.fig, row.what, row.ctx, mpText, spread(row.mp, row.unit), anchorText, spread(row.anchor, row.unit), j.ratio, j.goal, j.result];
  });
  // Long error texts go below the table; keep the cells short.
  for (const l of lines) {
    for (const c of [3, 5]) if (l[c].length > 46) l[c] = `${l[c].slice(0, 38)}… ${note(l[c])}`;
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
// Header and footer: the machine, the date, the load average at the start and at the end

const loadText = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'missing';
  }
}

export interface RunInfo {
  date: string;
  node: string;
  python: string;
  poolifier: string;
  cpus: number;
  cpuModel: string;
  loadStart: string;
  loadEnd?: string;
  caCerts: boolean;
  quick: boolean;
  totalSeconds?: number;
}

export function startInfo(): RunInfo {
  let poolifier = 'missing';
  try {
    poolifier = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'poolifier', 'package.json'), 'utf8')).version as string;
  } catch {
    /* reported as missing */
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    python: version('python3', ['-c', 'import sys; print(sys.version.split()[0])']),
    poolifier,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? '?',
    loadStart: loadText(),
    caCerts: Boolean(process.env.NODE_EXTRA_CA_CERTS),
    quick,
  };
}

export function printHeader(info: RunInfo): void {
  console.log(`multiproc benchmarks${info.quick ? ' (--quick)' : ''} — ${info.date}`);
  console.log(
    `machine: ${info.cpus} cpus (${info.cpuModel}), Node ${info.node}, CPython ${info.python}, poolifier ${info.poolifier}, NODE_EXTRA_CA_CERTS ${info.caCerts ? 'set' : 'unset'}`,
  );
  console.log(`load average at the start: ${info.loadStart} (1, 5, 15 min)`);
  if (!fs.existsSync(path.join(root, 'dist', 'esm', 'index.js'))) console.log('note: dist/esm/index.js is missing (run `npm run build`); multiproc figures will be errors.');
}

export function printFooter(info: RunInfo, t0: number): void {
  info.loadEnd = loadText();
  info.totalSeconds = Math.round((Date.now() - t0) / 1000);
  console.log('Each figure is the median of its samples ("samples": their count, min-max).');
  console.log('Ratios: "x faster" = anchor time / multiproc time (rates: multiproc rate / anchor rate), higher is better;');
  console.log('        "x anchor" = multiproc time / anchor time ("x anchor time" for rates: anchor rate / multiproc rate), lower is better;');
  console.log('        speedup = Pool(1) time / Pool(2) time. (info) rows have no goal. Method per figure: bench/README.md.');
  if (info.quick) console.log('--quick: fewer samples (3-5 per median); info and pinned rows and the tsx start-up variants left out.');
  console.log(`total ${info.totalSeconds} s; load average at the start ${info.loadStart}, at the end ${info.loadEnd}`);
  const counts = { PASS: 0, MISS: 0, other: 0 };
  for (const r of rows) {
    const res = judge(r).result;
    if (res === 'PASS' || res === 'MISS') counts[res]++;
    else if (res !== '-') counts.other++;
  }
  console.log(`goals: ${counts.PASS} PASS, ${counts.MISS} MISS${counts.other ? `, ${counts.other} ERROR/NO ANCHOR` : ''}`);
}

/** Writes every row (with its verdict) and every script's samples, then reads the file back. */
export function writeJson(file: string, info: RunInfo): void {
  const out = { info, rows: rows.map((r) => ({ ...r, ...judge(r) })), runs: allRuns };
  fs.writeFileSync(file, JSON.stringify(out, null, 2));
  const back = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof out;
  if (back.rows.length !== rows.length || back.runs.length !== allRuns.length) throw new Error(`${file}: read back ${back.rows.length} rows, ${back.runs.length} runs`);
  console.log(`samples written to ${file} (${back.rows.length} rows, ${back.runs.length} script runs)`);
}
