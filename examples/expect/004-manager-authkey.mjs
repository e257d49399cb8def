import { expectCleanStderr, expectExit, expectLines, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  expectLines(lines(stdout), [
    "key 'not the key': refused with AuthenticationError (instanceof AuthenticationError: true)",
    "key 'abracadabra': connected; queue round trip: put with key 'abracadabra'",
    "key 'not the key either': refused with AuthenticationError (instanceof AuthenticationError: true)",
  ]);
}
