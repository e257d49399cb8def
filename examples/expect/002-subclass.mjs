import { expectCleanStderr, expectExit, expectSameSet, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  // CPython's default name is type(self).__name__ + '-' + counter.
  expectSameSet(
    lines(stdout),
    [1, 2, 3, 4, 5].map((i) => `In Worker-${i}`),
    'stdout',
  );
}
