import { expectCleanStderr, expectExit, expectLines, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  const ls = lines(stdout);
  if (ls.length === 1 && ls[0].startsWith('skipped: no redis-server')) return;
  expectLines(ls, ['worker: ready', 'map: 1 4 9 16 25', 'apply: 144', 'workers: 1, processes: 2', 'worker: drained and exited with code 0']);
  // The worker logs its drain on stderr; nothing else may appear there.
  expectCleanStderr(
    stderr
      .split('\n')
      .filter((l) => !/^multiproc worker: SIGTERM: draining/.test(l))
      .join('\n'),
  );
}
