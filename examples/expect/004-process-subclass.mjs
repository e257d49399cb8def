import { expectCleanStderr, expectExit, expectSameSet, fail, lines } from './_lib.mjs';

const HELLO = /^hello (\S+) \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  if (ls.length !== 4) fail(`expected 4 stdout lines, got ${ls.length}: ${ls.join(' | ')}`);
  const names = ls.slice(0, 3).map((l) => {
    const m = l.match(HELLO);
    if (!m) fail(`unexpected line "${l}", expected "hello <name> <ctime>"`);
    return m[1];
  });
  // CPython's default name is type(self).__name__ + '-' + counter.
  expectSameSet(names, ['MyProcess-1', 'MyProcess-2', 'MyProcess-3'], 'process names');
  if (ls[3] !== 'end') fail(`last line is "${ls[3]}", expected "end"`);
}
