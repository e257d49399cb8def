import { expectCleanStderr, expectExit, expectLines, fail, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode, info) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const main = info.pid;
  const w = ls[1]?.match(/^writer启动\((\d+)\),父进程为\((\d+)\)$/);
  const r = ls[2]?.match(/^reader启动\((\d+)\),父进程为\((\d+)\)$/);
  if (!w) fail(`line 2 should be the writer's "writer启动(<pid>),父进程为(<ppid>)", got ${JSON.stringify(ls[1])}`);
  if (!r) fail(`line 3 should be the reader's "reader启动(<pid>),父进程为(<ppid>)", got ${JSON.stringify(ls[2])}`);
  for (const [who, m] of [
    ['writer', w],
    ['reader', r],
  ]) {
    if (Number(m[1]) === main) fail(`the ${who} ran in the main process`);
    if (Number(m[2]) !== main) fail(`the ${who}'s parent is ${m[2]}, expected the main program ${main}`);
  }
  expectLines(ls, [`(${main}) start`, w[0], r[0], ...'helloworld'.split('').map((c) => `reader从Queue获取到消息:${c}`), `(${main}) End`]);
}
