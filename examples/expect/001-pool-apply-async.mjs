import { expectCleanStderr, expectExit, fail, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode, info) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  if (ls[0] !== '----start----') fail(`first line is "${ls[0]}", expected "----start----"`);
  if (ls[ls.length - 1] !== '-----end-----') fail(`last line is "${ls[ls.length - 1]}", expected "-----end-----"`);
  const body = ls.slice(1, -1);
  if (body.length !== 20) fail(`expected 20 task lines between start and end, got ${body.length}: ${body.join(' | ')}`);
  const started = new Map();
  const finished = new Set();
  const pids = new Set();
  let running = 0;
  let maxRunning = 0;
  for (const l of body) {
    let m;
    if ((m = l.match(/^(\d)开始执行,进程号为(\d+)$/))) {
      const i = Number(m[1]);
      if (started.has(i)) fail(`task ${i} started twice`);
      started.set(i, Number(m[2]));
      pids.add(Number(m[2]));
      running++;
      maxRunning = Math.max(maxRunning, running);
    } else if ((m = l.match(/^(\d) 执行完毕,耗时(\d+\.\d\d)$/))) {
      const i = Number(m[1]);
      if (!started.has(i)) fail(`task ${i} finished before it started`);
      if (finished.has(i)) fail(`task ${i} finished twice`);
      if (Number(m[2]) > 0.6) fail(`task ${i} took ${m[2]} s, sleeps are at most 0.5 s`);
      finished.add(i);
      running--;
    } else {
      fail(`unexpected line "${l}"`);
    }
  }
  if (started.size !== 10 || finished.size !== 10) fail(`started ${started.size} and finished ${finished.size} tasks, expected 10 each`);
  if (maxRunning > 3) fail(`${maxRunning} tasks ran at once in a Pool(3)`);
  if (pids.size > 3) fail(`${pids.size} different worker pids in a Pool(3)`);
  if (pids.has(info.pid)) fail('a task ran in the main process');
}
