import { expectExit, expectLines, fail, lines } from './_lib.mjs';

// CPython at INFO level prints (on stderr):
//   [INFO/Process-1] child process calling self.run()
//   [INFO/Process-1] process shutting down
//   [INFO/Process-1] process exiting with exitcode 0
//   [INFO/MainProcess] process shutting down
const REQUIRED = ['[INFO/Process-1] child process calling self.run()', '[INFO/Process-1] process exiting with exitcode 0', '[INFO/MainProcess] process shutting down'];

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectLines(lines(stdout), ['Doing some work']);
  const log = lines(stderr).filter((l) => l.startsWith('['));
  let at = 0;
  for (const want of REQUIRED) {
    const i = log.indexOf(want, at);
    if (i < 0) fail(`stderr lacks ${JSON.stringify(want)} (in this order); log lines: ${log.join(' | ') || '<none>'}`);
    at = i + 1;
  }
  if (log[log.length - 1] !== REQUIRED[2]) fail(`the last log line should be "${REQUIRED[2]}", got "${log[log.length - 1]}"`);
  const debug = log.filter((l) => l.startsWith('[DEBUG/'));
  if (debug.length) fail(`DEBUG lines printed at level INFO: ${debug[0]}`);
  const other = lines(stderr).filter((l) => !l.startsWith('[') && !/ExperimentalWarning|--trace-warnings/.test(l));
  if (other.length) fail(`unexpected stderr: ${other.join(' | ')}`);
}
