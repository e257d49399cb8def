import { expectBefore, expectCleanStderr, expectExit, expectSameSet, lines } from './_lib.mjs';

const NAMES = ['worker 1', 'Process-3', 'my_service'];

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  expectSameSet(
    ls,
    NAMES.flatMap((n) => [`${n} Starting`, `${n} Exiting`]),
    'stdout',
  );
  for (const n of NAMES) expectBefore(ls, `${n} Starting`, `${n} Exiting`);
}
