import { expectCleanStderr, expectExit, expectLines, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  expectLines(lines(stdout), ['Doing something fancy in Process-1 for Fancy Dan!']);
}
