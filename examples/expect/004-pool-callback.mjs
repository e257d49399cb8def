import { expectCleanStderr, expectExit, expectSameSet, fail, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  if (ls[0] !== 'end') fail(`first line is "${ls[0]}", expected "end" (apply_async does not wait)`);
  expectSameSet(
    ls.slice(1),
    [...Array(10).keys()].map((i) => `-->exec done: ${i + 100}`),
    'callback lines',
  );
}
