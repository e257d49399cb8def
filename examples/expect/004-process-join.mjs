import { expectCleanStderr, expectExit, fail, lines } from './_lib.mjs';

const CTIME = /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  if (ls.length !== 4) fail(`expected 4 stdout lines, got ${ls.length}: ${ls.join(' | ')}`);
  for (const l of ls.slice(0, 3)) {
    if (!l.startsWith('hello alvin ') || !CTIME.test(l.slice('hello alvin '.length))) fail(`unexpected line "${l}", expected "hello alvin <ctime>"`);
  }
  if (ls[3] !== 'end') fail(`last line is "${ls[3]}", expected "end" after the three joined processes`);
}
