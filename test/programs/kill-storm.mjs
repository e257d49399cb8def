// The kill storm of test/kill-storm.test.ts, as a plain Node program: replacement workers then
// start without tsx (a worker of a program run under tsx loads it: 150-450 ms per start,
// longer than the 50 ms between kills). Usage: node kill-storm.mjs <process|thread>.
//
// The kill rate follows the measured start time of a worker: a kill every max(50 ms, half the
// recent median start). On a loaded machine (2 cores at load 12+) a worker took 1-4 s to
// start, and a kill every 50 ms then killed nearly every replacement before it was ready:
// the pool made almost no progress (starvation, not a hang: 142 of 3,000 applyAsync in 50 s,
// 225 kills, every worker booting). To tell the two apart for good, when the tasks have not
// settled after the storm's bound the killer stops and they get a second bound: settling then
// is starvation (reported as `starved`), not settling is a hang (`unsettled`).
// Prints one JSON line with what it saw; the test asserts on it. STORM_DEBUG=1 prints progress
// to stderr every 2 s.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool, WorkerLostError, isMainEntry } from 'multiproc';
import * as f from '../fixtures/faults.mjs';

/** The pool's internal list of live workers (src/pool/pool.ts, kWorkers): tests and diagnostics only. */
const kWorkers = Symbol.for('multiproc.pool.workers');
const workersOf = (pool) => pool[kWorkers]();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** `p`, or `fallback` after `ms`; the timer does not outlive it. */
async function bounded(p, ms, fallback) {
  let timer;
  try {
    return await Promise.race([
      p,
      new Promise((r) => {
        timer = setTimeout(r, ms, fallback);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const sizes = { maps: 40, mapItems: 100, imapItems: 3000, applies: 3000, workers: 4 };
const TOTAL = sizes.maps * sizes.mapItems + sizes.imapItems + sizes.applies;

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Runs the storm once over task ids [base, base + TOTAL); returns counts and every deviation
 * from the rules it saw. The tasks record each run in MULTIPROC_STORM_RUNS (fixtures/faults.mjs).
 */
async function storm(pool, context, retries, pids, base, starts) {
  const s = {
    retries,
    ok: 0,
    lost: 0,
    kills: 0,
    bootKills: 0,
    ms: 0,
    wrong: [],
    otherErrors: [],
    lostMessages: [],
    outcomes: 0,
    unsettled: null,
    starved: null,
    runs: null,
    killEveryMs: [],
  };
  const outcome = new Map();
  const opts = { retries };
  const start = Date.now();
  let stop = false;
  // Every max(50 ms, half the median start) one random worker: on the first 5 ticks a booting
  // one when there is one (a replacement killed while it starts, again and again), then every
  // 4th tick any live one, else one that is running tasks. Start times are measured from when
  // a worker is first listed to when it is first seen ready (the pool's own start to begin with;
  // `starts` carries over from one storm to the next).
  const firstSeen = new Map();
  const killEvery = () => {
    const recent = starts.slice(-9).sort((a, b) => a - b);
    return Math.max(50, Math.round(recent[recent.length >> 1] / 2));
  };
  const killer = (async () => {
    for (let tick = 1; !stop; tick++) {
      const every = killEvery();
      if (s.killEveryMs.length === 0 || s.killEveryMs[s.killEveryMs.length - 1] !== every) s.killEveryMs.push(every);
      await sleep(every);
      if (stop) break;
      const live = workersOf(pool);
      for (const w of live) {
        pids.add(w.pid);
        const key = context === 'process' ? w.pid : (w.threadId ?? w);
        if (!firstSeen.has(key)) firstSeen.set(key, { at: Date.now(), ready: w.ready });
        const seen = firstSeen.get(key);
        if (w.ready && !seen.ready) {
          seen.ready = true;
          starts.push(Date.now() - seen.at);
        }
      }
      const booting = live.filter((w) => !w.ready);
      const pick = tick <= 5 && booting.length > 0 ? booting : tick % 4 === 0 ? live : live.filter((w) => w.ready);
      const victim = pick[Math.floor(Math.random() * pick.length)];
      if (!victim) continue;
      if (context === 'process') {
        try {
          process.kill(victim.pid, 'SIGKILL');
        } catch {
          continue; /* it exited meanwhile */
        }
      } else victim.kill();
      s.kills++;
      if (!victim.ready) s.bootKills++;
    }
  })();

  const record = (x, r) => {
    s.outcomes++;
    outcome.set(x, r.status);
    if (r.status === 'fulfilled') {
      if (same(r.value, f.tinyResult(x))) s.ok++;
      else s.wrong.push({ x, got: r.value });
    } else if (r.reason instanceof WorkerLostError) {
      s.lost++;
      s.lostMessages.push(r.reason.message);
    } else s.otherErrors.push({ x, error: String(r.reason?.stack ?? r.reason) });
  };
  const ids = (from, n) => Array.from({ length: n }, (_, i) => base + from + i);
  // map: many maps of 100 items of ~0.5 ms (results sent one by one), so one loss costs 100
  // items, not thousands; between them, applyAsync of tasks of microseconds (results batched).
  // imap: tiny items in chunks of 10 (batched too); a lost item rejects at its position and
  // iteration goes on.
  const applyFrom = sizes.maps * sizes.mapItems;
  const imapFrom = applyFrom + sizes.applies;
  const perMap = sizes.applies / sizes.maps;
  const maps = [];
  const applies = [];
  for (let m = 0; m < sizes.maps; m++) {
    const xs = ids(m * sizes.mapItems, sizes.mapItems);
    maps.push({ xs, p: pool.map(f.tinySlow, xs, { chunksize: 10, ...opts }) });
    for (const x of ids(applyFrom + m * perMap, perMap)) applies.push(pool.applyAsync(f.tiny, [x], opts));
  }
  const imapDone = (async () => {
    const out = [];
    const it = pool.imap(f.tiny, ids(imapFrom, sizes.imapItems), { chunksize: 10, ...opts });
    for (;;) {
      try {
        const r = await it.next();
        if (r.done) break;
        out.push({ status: 'fulfilled', value: r.value });
      } catch (reason) {
        out.push({ status: 'rejected', reason });
      }
    }
    return out;
  })();

  const progress = process.env.STORM_DEBUG
    ? setInterval(() => {
        process.stderr.write(
          `${Date.now() - start} ms: maps ${maps.length} applies ready ${applies.filter((a) => a.ready()).length} kills ${s.kills} workers ${JSON.stringify(workersOf(pool).map((w) => [w.ready, w.inflight]))}\n`,
        );
      }, 2000)
    : null;
  let settled = 0;
  const all = Promise.all([
    Promise.allSettled(maps.map((m) => m.p)).finally(() => settled++),
    imapDone.finally(() => settled++),
    Promise.allSettled(applies.map((a) => a.get())).finally(() => settled++),
  ]);
  let done = await bounded(all, 50_000, 'timeout');
  stop = true;
  await killer;
  if (done === 'timeout') {
    // Kills have stopped: a pool that only starved now finishes; one that hangs does not.
    const pending = applies.filter((a) => !a.ready()).length;
    const before = Date.now();
    done = await bounded(all, 60_000, 'timeout');
    if (done === 'timeout') {
      s.unsettled = `${3 - settled} of map/imap/applyAsync did not settle within 50 s of kills and 60 s after them; ${applies.filter((a) => !a.ready()).length} applyAsync pending`;
    } else {
      s.starved = `not settled within 50 s of kills (${pending} applyAsync pending, kill every ${s.killEveryMs.join('/')} ms, median start ${killEvery() * 2} ms); settled ${Date.now() - before} ms after the kills stopped`;
    }
  }
  if (progress) clearInterval(progress);
  s.ms = Date.now() - start;
  s.startMs = starts.slice();
  if (done === 'timeout') return s;
  const [mapResults, imapResults, applyResults] = done;
  mapResults.forEach((r, m) => {
    const xs = maps[m].xs;
    if (r.status === 'fulfilled') {
      s.outcomes += xs.length;
      for (const x of xs) outcome.set(x, 'fulfilled');
      if (
        same(
          r.value,
          xs.map((x) => f.tinyResult(x)),
        )
      )
        s.ok += xs.length;
      else s.wrong.push({ map: m });
    } else {
      record(xs[0], r);
      for (const x of xs) outcome.set(x, 'rejected');
      s.lost += xs.length - 1;
      s.outcomes += xs.length - 1;
    }
  });
  if (imapResults.length !== sizes.imapItems) s.wrong.push({ imapLength: imapResults.length });
  imapResults.forEach((r, i) => record(base + imapFrom + i, r));
  applyResults.forEach((r, i) => record(base + applyFrom + i, r));
  // How often each task ran: at most retries + 1 times; a task that succeeded without retries
  // ran exactly once (at most once: a lost task is never run again unless retries allow it).
  const counts = new Map();
  for (const line of readFileSync(process.env.MULTIPROC_STORM_RUNS, 'utf8').split('\n')) {
    const x = Number(line);
    if (line && x >= base && x < base + TOTAL) counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  s.runs = { max: 0, ranTwice: 0, okWithoutRun: [], tooMany: [], ofLost: {} };
  for (const [x, status] of outcome) {
    const c = counts.get(x) ?? 0;
    s.runs.max = Math.max(s.runs.max, c);
    if (c > 1) s.runs.ranTwice++;
    if (c > retries + 1) s.runs.tooMany.push({ x, runs: c });
    if (status === 'fulfilled' && c === 0) s.runs.okWithoutRun.push(x);
    if (status === 'rejected') s.runs.ofLost[c] = (s.runs.ofLost[c] ?? 0) + 1;
  }
  return s;
}

/** Waits for the configured number of ready workers, then has 8 tasks report who ran them. */
async function health(pool, context, pids) {
  const deadline = Date.now() + 20_000;
  const ok = () => {
    const w = workersOf(pool);
    return w.length === sizes.workers && w.every((x) => x.ready);
  };
  while (!ok() && Date.now() < deadline) await sleep(20);
  const listed = workersOf(pool).map((w) => (context === 'process' ? w.pid : w.threadId));
  const who = await bounded(pool.map(f.whoAfter, Array(2 * sizes.workers).fill(200), { chunksize: 1 }), 30_000, []);
  for (const w of who) pids.add(w.pid);
  const answered = [...new Set(who.map((w) => (context === 'process' ? w.pid : w.threadId)))];
  return { listed: listed.sort(), answered: answered.sort(), readyInTime: ok() };
}

async function main(context) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mp-storm-'));
  process.env.MULTIPROC_STORM_RUNS = path.join(dir, 'runs.txt');
  const pool = new Pool({ processes: sizes.workers, context });
  const pids = new Set();
  const out = { context, total: TOTAL };
  try {
    const t0 = Date.now();
    const lap = (what) => {
      if (process.env.STORM_DEBUG) process.stderr.write(`${what} at ${Date.now() - t0} ms\n`);
    };
    // The pool's own start (all workers ready) seeds the kill rate.
    while (!(workersOf(pool).length === sizes.workers && workersOf(pool).every((w) => w.ready)) && Date.now() - t0 < 60_000) await sleep(10);
    out.coldStartMs = Date.now() - t0;
    const starts = [out.coldStartMs];
    out.plain = await storm(pool, context, 0, pids, 0, starts);
    lap('plain');
    out.healthAfterPlain = await health(pool, context, pids);
    lap('health');
    out.retried = await storm(pool, context, 3, pids, TOTAL, starts);
    lap('retried');
    out.healthAfterRetried = await health(pool, context, pids);
    pool.close();
    await bounded(pool.join(), 30_000);
    lap('joined');
    out.workersAfterJoin = workersOf(pool).length;
    // Every worker this program saw, gone once join() resolved (a short grace for reaping).
    const deadline = Date.now() + 5000;
    const alive = (pid) => {
      try {
        process.kill(pid, 0);
        return !isZombie(pid);
      } catch {
        return false;
      }
    };
    let leaked = [...pids].filter((p) => p !== process.pid && alive(p));
    while (leaked.length > 0 && Date.now() < deadline) {
      await sleep(50);
      leaked = leaked.filter(alive);
    }
    out.pidsSeen = pids.size;
    out.leaked = leaked;
  } finally {
    await pool.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const k of ['plain', 'retried']) out[k].lostMessages = [...new Set(out[k].lostMessages.map((m) => m.replace(/pid \d+( thread \d+)?/, 'pid N')))];
  console.log(JSON.stringify(out));
}

function isZombie(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

if (isMainEntry(import.meta.url)) {
  try {
    await main(process.argv[2] ?? 'process');
  } catch (e) {
    console.log(JSON.stringify({ error: String(e?.stack ?? e), code: e?.code }));
    process.exitCode = 1;
  }
}
