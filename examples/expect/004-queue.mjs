import { expectCleanStderr, expectExit, expectSameSet, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  // Python prints [42, 0, 'hello'] ...; the children race, so any order.
  expectSameSet(
    lines(stdout),
    [0, 1, 2].map((n) => `[ 42, ${n}, 'hello' ]`),
    'stdout',
  );
}
