import { existsSync } from 'node:fs';
import { expectCleanStderr, expectExit, expectLines, fail, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const block = ls[0]?.match(/^first: created '(psm_[0-9a-f]+)' \(16 bytes\) and wrote \[1, 2, 3, 4, 5\]$/)?.[1];
  if (!block) fail(`the first line should be "first: created 'psm_<hex>' (16 bytes) and wrote [1, 2, 3, 4, 5]", got ${JSON.stringify(ls[0])}`);
  const list = ls[1]?.match(/^first: created a ShareableList \["howdy",42,null\] in '(psm_[0-9a-f]+)'$/)?.[1];
  if (!list) fail(`the second line should name the ShareableList ["howdy",42,null], got ${JSON.stringify(ls[1])}`);
  if (list === block) fail('the block and the list should have different names');
  // Every step waits for the one before it, across the two programs.
  expectLines(ls, [
    ls[0],
    ls[1],
    `second: attached to '${block}' (16 bytes) holding [1, 2, 3, 4, 5]`,
    'second: multiplied them by 10',
    'second: attached to the list ["howdy",42,null]',
    'first: the second program exited with code 0',
    'first: the block now holds [10, 20, 30, 40, 50]',
    'first: the list now holds ["hi",43,"set"]',
    'first: closed and unlinked both',
  ]);
  for (const name of [block, list]) {
    if (existsSync(`/dev/shm/${name}`)) fail(`/dev/shm/${name} is still there after the program unlinked it`);
  }
}
