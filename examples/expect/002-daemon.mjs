import { expectBefore, expectCleanStderr, expectExit, fail, indexOfLine, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode, info) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  indexOfLine(ls, 'Starting: daemon');
  expectBefore(ls, 'Starting: non-daemon', 'Exiting : non-daemon');
  indexOfLine(ls, 'd.isAlive() true');
  if (ls.includes('Exiting : daemon')) fail('the daemon ran to its end: it should be terminated when the main program ends');
  if (ls.length !== 4) fail(`expected 4 stdout lines, got ${ls.length}: ${ls.join(' | ')}`);
  // 20 s: a loaded machine may take seconds to start the children; waiting for the daemon takes 25 s.
  if (info.durationMs >= 20_000) fail(`the program took ${info.durationMs} ms: it waited for the daemon (25 s sleep) instead of terminating it`);
}
