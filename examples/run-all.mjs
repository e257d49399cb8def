#!/usr/bin/env node
// Runs every example (examples/*.ts) as its own child process, `node --import tsx examples/<name>.ts`,
// a few at a time (EXAMPLE_CONCURRENCY, 3: most of an example's time is sleeps and waits; those
// whose checks bound their wall time run alone, after the others), each with a timeout, and checks
// its stdout, stderr and exit code with examples/expect/<name>.mjs
// (export function check(stdout, stderr, exitCode, info)).
// Usage: node examples/run-all.mjs [substring ...] [--verbose | --show-failures]
// Prints `ok <name>` or `FAIL <name>: reason` per example and `N passed, M failed`; exits 1 on any failure.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
// Each example's bound follows the machine's measured speed (see slowdown() below): 30 s on an
// idle machine, up to MAX_TIMEOUT_MS on a loaded one. EXAMPLE_TIMEOUT_MS fixes it instead.
const BASE_TIMEOUT_MS = 30_000;
export const MAX_TIMEOUT_MS = 120_000;
const FIXED_TIMEOUT_MS = process.env.EXAMPLE_TIMEOUT_MS ? Number(process.env.EXAMPLE_TIMEOUT_MS) : null;
// What `node --import tsx` takes to run nothing on this 2-core VM when idle (0.3-0.45 s measured);
// the measured start divided by it is how much slower this machine is right now.
const IDLE_START_MS = 450;
const DRAIN_MS = 5_000; // how long stdout/stderr may stay open after the main process exited
const LINGER_MS = 3_000; // how long leftover processes of the example may take to go away
const CONCURRENCY = Math.max(1, Number(process.env.EXAMPLE_CONCURRENCY || 3));
// Examples whose checks bound their wall time to show parallelism (10 processes or 5 workers
// started at once, a daemon not waited for) run alone, after the others, so that the other
// examples' start-ups do not count against those bounds.
const ALONE = new Set(['000-pool-apply-async', '000-process-join', '002-daemon']);

const argv = process.argv.slice(2);
const verbose = argv.includes('--verbose') || process.env.VERBOSE === '1';
const filters = argv.filter((a) => !a.startsWith('--'));

function resolveTsx() {
  try {
    return import.meta.resolve('tsx');
  } catch {
    try {
      return pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('tsx')).href;
    } catch {
      return 'tsx';
    }
  }
}
const tsx = resolveTsx();

const examples = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .filter((name) => filters.length === 0 || filters.some((s) => name.includes(s)))
  .sort();

if (!existsSync(path.join(root, 'dist'))) {
  console.error('note: dist/ does not exist yet; run `npm run build` first');
}

function oneLine(s, max = 700) {
  const t = String(s)
    .replace(/\s*\n\s*/g, ' | ')
    .trim();
  return t.length > max ? `${t.slice(0, max)}...` : t;
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function groupMembers(pgid) {
  try {
    const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
      .filter((m) => m && Number(m[2]) === pgid)
      .map((m) => `${m[1]} ${m[3].slice(0, 100)}`);
  } catch {
    return [];
  }
}

function killGroup(pgid) {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A sleep that does not keep the runner alive once it is no longer needed.
function timer(ms, value) {
  let handle;
  const promise = new Promise((r) => {
    handle = setTimeout(() => r(value), ms);
  });
  return { promise, cancel: () => clearTimeout(handle) };
}

// How much slower than idle the machine is now: the median of three starts of `node --import tsx`
// running nothing, over the idle figure, at least 1. Examples start Node processes and workers
// under tsx, so their times grow with it; each example's timeout and the wall-time bounds of the
// checks (info.slowdown) are multiplied by it, so that a loaded machine (two CPU-bound neighbours,
// a parallel test file) is not taken for a hang or for tasks that did not run in parallel.
async function slowdown() {
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    await new Promise((resolve) => {
      const c = spawn(process.execPath, ['--import', tsx, '-e', '0'], { cwd: root, stdio: 'ignore' });
      c.on('exit', resolve);
      c.on('error', resolve);
    });
    times.push(Date.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.max(1, times[1] / IDLE_START_MS);
}
let machineSlowdown = await slowdown();
const timeoutMs = () => FIXED_TIMEOUT_MS ?? Math.min(MAX_TIMEOUT_MS, Math.round(BASE_TIMEOUT_MS * machineSlowdown));

const running = new Set(); // process groups of the examples running now
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pgid of running) killGroup(pgid);
    process.exit(130);
  });
}

async function runExample(name) {
  const file = path.join('examples', `${name}.ts`);
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', tsx, file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so that leftovers can be found and killed
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const pid = child.pid;
  running.add(pid);
  const out = [];
  const err = [];
  child.stdout.on('data', (b) => out.push(b));
  child.stderr.on('data', (b) => err.push(b));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const closed = new Promise((resolve) => child.on('close', () => resolve(true)));
  child.on('error', (e) => err.push(Buffer.from(`runner: spawn failed: ${e.message}\n`)));

  const problems = [];
  const limitMs = timeoutMs();
  const timeout = timer(limitMs, 'timeout');
  const first = await Promise.race([exited, timeout.promise]);
  timeout.cancel();
  let exit;
  if (first === 'timeout') {
    problems.push(`timed out after ${limitMs} ms (still running: ${groupMembers(pid).join('; ') || 'main process'})`);
    killGroup(pid);
    exit = await exited;
  } else {
    exit = first;
  }
  const durationMs = exit.at - started;
  const drain = timer(DRAIN_MS, false);
  const drained = await Promise.race([closed, drain.promise]);
  drain.cancel();
  if (!drained) {
    problems.push(`the main process exited but stdout/stderr stayed open ${DRAIN_MS} ms longer (leftover processes: ${groupMembers(pid).join('; ') || '?'})`);
    killGroup(pid);
    await closed;
  } else if (first !== 'timeout') {
    const deadline = Date.now() + LINGER_MS;
    while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(pid)) {
      problems.push(`processes left running ${LINGER_MS} ms after the main process exited: ${groupMembers(pid).join('; ') || '?'}`);
      killGroup(pid);
    }
  }
  running.delete(pid);
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  const exitCode = exit.code;
  return { stdout, stderr, exitCode, info: { pid, signal: exit.signal, durationMs, runnerPid: process.pid, slowdown: machineSlowdown }, problems };
}

async function judge(name) {
  const expectFile = path.join(here, 'expect', `${name}.mjs`);
  const result = await runExample(name);
  let reason = null;
  if (!existsSync(expectFile)) {
    reason = `no expectation file examples/expect/${name}.mjs`;
  } else {
    try {
      const { check } = await import(pathToFileURL(expectFile).href);
      const r = await check(result.stdout, result.stderr, result.exitCode, result.info);
      if (typeof r === 'string') reason = r;
      else if (r === false) reason = 'check returned false';
    } catch (e) {
      reason = e && e.message ? e.message : String(e);
    }
  }
  if (!reason && result.problems.length) reason = result.problems.join('; ');
  else if (reason && result.problems.length) reason = `${result.problems.join('; ')}; ${reason}`;
  return { name, result, reason };
}

function report({ name, result, reason }) {
  console.log(reason ? `FAIL ${name}: ${oneLine(reason)}` : `ok ${name}`);
  if (verbose || (reason && argv.includes('--show-failures'))) {
    console.log(`  [${name}] exit ${result.exitCode}${result.info.signal ? ` signal ${result.info.signal}` : ''}, ${result.info.durationMs} ms`);
    for (const [label, text] of [
      ['stdout', result.stdout],
      ['stderr', result.stderr],
    ]) {
      for (const l of text.split('\n').filter(Boolean)) console.log(`  [${name} ${label}] ${l}`);
    }
  }
}

// CONCURRENCY lanes take the next example as each finishes, then the ALONE ones run one by one;
// reports come out in that order.
const order = [...examples.filter((n) => !ALONE.has(n)), ...examples.filter((n) => ALONE.has(n))];
const together = order.length - examples.filter((n) => ALONE.has(n)).length;
const outcomes = new Array(order.length);
let next = 0;
let reported = 0;
async function lane(end) {
  while (next < end) {
    const i = next++;
    outcomes[i] = await judge(order[i]);
    while (reported < order.length && outcomes[reported]) report(outcomes[reported++]);
  }
}
await Promise.all(Array.from({ length: Math.max(1, Math.min(CONCURRENCY, together)) }, () => lane(together)));
// The wall-time examples run alone at the end: measure the machine again just before them.
machineSlowdown = await slowdown();
if (verbose) console.log(`machine slowdown ${machineSlowdown.toFixed(2)}x idle`);
await lane(order.length);
const failed = outcomes.filter((o) => o.reason).length;
const passed = outcomes.length - failed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
