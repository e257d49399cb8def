import { expectCleanStderr, expectExit, fail, lines, matching } from './_lib.mjs';

const SLEEP_MS = 1000;

export function check(stdout, stderr, exitCode, info) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const runs = matching(ls, /^run in Process: (\d+)$/);
  if (runs.length !== 10) fail(`${runs.length} "run in Process: <pid>" lines, expected 10`);
  const pids = new Set(runs.map((m) => Number(m[1])));
  if (pids.size > 5) fail(`${pids.size} different worker pids in a Pool(5)`);
  if (pids.size < 2) fail('all tasks ran in one worker: no parallelism');
  if (pids.has(info.pid)) fail('a task ran in the main process');
  if (ls.length !== 11) fail(`expected 11 stdout lines, got ${ls.length}: ${ls.join(' | ')}`);
  const t = ls[10].match(/^main run Done,spend_time: (\d+) ms$/);
  if (!t) fail(`last line is "${ls[10]}", expected "main run Done,spend_time: <n> ms" after every task's output`);
  const ms = Number(t[1]);
  if (ms < 2 * SLEEP_MS - 50) fail(`spend time ${ms} ms: 10 tasks of ${SLEEP_MS} ms on 5 workers need at least ${2 * SLEEP_MS} ms (join returned early?)`);
  const bound = 9 * SLEEP_MS * (info.slowdown ?? 1);
  if (ms >= bound) fail(`spend time ${ms} ms (bound ${Math.round(bound)} ms at this load): the tasks did not run in parallel (serial is ${10 * SLEEP_MS} ms)`);
}
