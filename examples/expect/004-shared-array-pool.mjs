import { expectCleanStderr, expectExit, expectLines, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  expectLines(lines(stdout), ['[', '   0,  1,  4,  9, 16,', '  25, 36, 49, 64, 81', ']']);
}
