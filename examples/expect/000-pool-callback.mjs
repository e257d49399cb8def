import { expectCleanStderr, expectExit, fail, lines, matching } from './_lib.mjs';

export function check(stdout, stderr, exitCode, info) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const runs = matching(ls, /^run in Process: (\d+)$/);
  if (runs.length !== 10) fail(`${runs.length} "run in Process: <pid>" lines, expected 10`);
  const pids = new Set(runs.map((m) => Number(m[1])));
  if (pids.size > 5) fail(`${pids.size} different worker pids in a Pool(5)`);
  if (pids.has(info.pid)) fail('a task ran in the main process');
  const logs = ls.filter((l) => l.startsWith('Log Done'));
  if (logs.length !== 10 || logs.some((l) => l !== 'Log Done: filename')) {
    fail(`expected 10 "Log Done: filename" lines, got ${logs.length}: ${logs.slice(0, 3).join(' | ')}`);
  }
  if (ls.length !== 21) fail(`expected 21 stdout lines, got ${ls.length}: ${ls.join(' | ')}`);
  if (!/^main run Done,spend_time: \d+ ms$/.test(ls[20])) {
    fail(`last line is "${ls[20]}", expected "main run Done,spend_time: <n> ms" after every task and callback`);
  }
}
