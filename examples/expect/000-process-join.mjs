import { expectCleanStderr, expectExit, fail, lines, matching } from './_lib.mjs';

const SLEEP_MS = 1000;

export function check(stdout, stderr, exitCode, info) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const hello = matching(ls, /^hello Bob run in (\d+) ppid: (\d+)$/);
  if (hello.length !== 10) fail(`${hello.length} "hello Bob run in <pid> ppid: <ppid>" lines, expected 10`);
  const pids = new Set(hello.map((m) => Number(m[1])));
  if (pids.size !== 10) fail(`the 10 processes should have 10 different pids, got ${pids.size}`);
  if (pids.has(info.pid)) fail('a child printed the pid of the main process');
  for (const m of hello) {
    if (Number(m[2]) !== info.pid) fail(`child ${m[1]} has ppid ${m[2]}, expected the main process ${info.pid}`);
  }
  if (ls.length !== 12) fail(`expected 12 stdout lines, got ${ls.length}`);
  if (ls[10] !== 'run in main') fail(`line 11 is "${ls[10]}", expected "run in main" after all the children`);
  const t = ls[11].match(/^spend time: (\d+) ms$/);
  if (!t) fail(`last line is "${ls[11]}", expected "spend time: <n> ms"`);
  const ms = Number(t[1]);
  if (ms < SLEEP_MS - 50) fail(`spend time ${ms} ms is shorter than one sleep (${SLEEP_MS} ms): join did not wait`);
  const bound = 10 * SLEEP_MS * (info.slowdown ?? 1);
  if (ms >= bound) fail(`spend time ${ms} ms (bound ${Math.round(bound)} ms at this load): the 10 processes did not run in parallel (serial would be ${10 * SLEEP_MS} ms)`);
}
