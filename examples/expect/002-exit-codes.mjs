import { expectExit, expectLines, fail, lines, stderrLines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectLines(lines(stdout), [
    'Starting process for exitError',
    'Starting process for exitOk',
    'Starting process for returnValue',
    'Starting process for raises',
    'Starting process for terminated',
    'exitError.exitCode = 1',
    'exitOk.exitCode = 0',
    'returnValue.exitCode = 0',
    'raises.exitCode = 1',
    'terminated.exitCode = -15',
  ]);
  // The child that raised prints its error and stack on stderr, as Python prints the traceback.
  const err = stderrLines(stderr);
  if (!err.some((l) => l.includes('There was an error!'))) {
    fail(`stderr does not show the error raised in "raises": ${err.join(' | ') || '<empty>'}`);
  }
  if (!err.some((l) => /^\s+at /.test(l))) fail(`stderr has no stack trace for the error raised in "raises": ${err.join(' | ')}`);
}
