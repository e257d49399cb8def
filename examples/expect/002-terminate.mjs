import { expectCleanStderr, expectExit, expectLines, fail, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  if (ls.includes('Finished worker')) fail('"Finished worker" printed: terminate() did not stop the worker');
  // "Starting worker" may or may not get printed before the SIGTERM arrives.
  expectLines(
    ls.filter((l) => l !== 'Starting worker'),
    ['BEFORE: Process-1 false null', 'DURING: Process-1 true null', 'TERMINATED: Process-1 true null', 'JOINED: Process-1 false -15'],
  );
}
