import { expectCleanStderr, expectExit, expectSameSet, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  // Never joined: the main program must still wait for its non-daemon children.
  expectSameSet(
    lines(stdout),
    [0, 1, 2, 3, 4].map((i) => `Worker: ${i}`),
    'stdout',
  );
}
