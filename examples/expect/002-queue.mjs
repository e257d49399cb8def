import { expectCleanStderr, expectExit, expectLines, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  // Python prints [42, None, 'hello']; Node's console.log of the same array:
  expectLines(lines(stdout), ["[ 42, null, 'hello' ]"]);
}
