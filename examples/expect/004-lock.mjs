import { expectCleanStderr, expectExit, expectSameSet, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  // One whole line per child, in the order they got the lock.
  expectSameSet(
    lines(stdout),
    Array.from({ length: 10 }, (_, i) => `hello world ${i}`),
    'stdout',
  );
}
