import { expectBefore, expectCleanStderr, expectExit, expectSameSet, fail, lines, matching } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const names = ['Thread-1', 'Thread-2', 'Thread-3'];
  const words = ['One', 'Two', 'Three', 'Four', 'Five'];
  if (ls.length !== 3 + 5 + 3 + 1) fail(`expected 12 lines, got ${ls.length}: ${ls.join(' | ')}`);
  if (ls[ls.length - 1] !== 'Exiting Main Thread') fail(`the last line should be "Exiting Main Thread", got ${JSON.stringify(ls[ls.length - 1])}`);
  expectSameSet(
    matching(ls, /^Starting (.+)$/).map((m) => m[1]),
    names,
    'threads starting',
  );
  expectSameSet(
    matching(ls, /^Exiting (Thread-\d)$/).map((m) => m[1]),
    names,
    'threads exiting',
  );
  // Every word is taken exactly once, by some worker, between its start and its exit.
  const processed = matching(ls, /^(Thread-\d) processing (\w+)$/);
  expectSameSet(
    processed.map((m) => m[2]),
    words,
    'words processed',
  );
  for (const m of processed) {
    if (!names.includes(m[1])) fail(`unknown worker in ${JSON.stringify(m[0])}`);
    expectBefore(ls, `Starting ${m[1]}`, m[0]);
    expectBefore(ls, m[0], `Exiting ${m[1]}`);
  }
}
