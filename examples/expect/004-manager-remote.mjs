import { expectBefore, expectCleanStderr, expectExit, expectLines, fail, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const m = ls[0]?.match(/^server: serving on 127\.0\.0\.1:(\d+)$/);
  if (!m || Number(m[1]) === 0) fail(`the first line should be "server: serving on 127.0.0.1:<port>" with a real port, got ${JSON.stringify(ls[0])}`);
  const put = "client: put 'hello'";
  const got = "server: got 'hello' from the other program";
  // The client's line after its put and the server's line after its get race each other;
  // every other step waits for the one before it, across the two programs.
  const middle = ls.slice(2, 4);
  if (!(middle.includes(put) && middle.includes(got)))
    fail(`lines 3 and 4 should be ${JSON.stringify(put)} and ${JSON.stringify(got)} in either order, got ${JSON.stringify(middle)}`);
  expectLines(ls, [ls[0], 'client: connected', ...middle, "client: got 'hello back'", 'server: the other program exited with code 0', 'server: shut down']);
  expectBefore(ls, got, "client: got 'hello back'");
}
