import { expectCleanStderr, expectExit, expectLines, fail, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode, info) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const childPid = ls[10]?.match(/^process id: (\d+)$/)?.[1];
  if (!childPid) fail(`line 11 should be the child's "process id: <pid>": ${ls.join(' | ')}`);
  if (Number(childPid) === info.pid) fail('the child reports the pid of the main process');
  expectLines(ls, [
    'main process line',
    'isMainEntry: true',
    'currentProcess().name: MainProcess',
    `parent process: ${info.runnerPid}`,
    `process id: ${info.pid}`,
    'parentProcess().pid: null',
    'bob',
    'isMainEntry: false',
    'currentProcess().name: Process-1',
    `parent process: ${info.pid}`,
    `process id: ${childPid}`,
    `parentProcess().pid: ${info.pid}`,
    `p.pid: ${childPid}`,
  ]);
}
