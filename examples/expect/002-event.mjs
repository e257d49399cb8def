import { expectBefore, expectCleanStderr, expectExit, expectSameSet, fail, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode, info) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  expectSameSet(
    ls,
    [
      'main: waiting before calling Event.set()',
      'wait_for_event: starting',
      'wait_for_event_timeout: starting',
      'wait_for_event_timeout: e.isSet()-> false',
      'main: event is set',
      'wait_for_event: e.isSet()-> true',
    ],
    'stdout',
  );
  expectBefore(ls, 'wait_for_event: starting', 'wait_for_event: e.isSet()-> true');
  expectBefore(ls, 'wait_for_event_timeout: starting', 'wait_for_event_timeout: e.isSet()-> false');
  // The 2 s timeout runs out before the parent sets the event 3 s after the barrier. (The blocking waiter's
  // line and 'main: event is set' race, as in Python: both follow the set.)
  expectBefore(ls, 'wait_for_event_timeout: e.isSet()-> false', 'main: event is set');
  if (info.durationMs < 2900) fail(`the program took ${info.durationMs} ms; the parent sleeps 3 s before setting the event`);
}
