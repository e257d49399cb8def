import { expectCleanStderr, expectCount, expectExit, fail, indexOfLine, lines, matching } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  indexOfLine(ls, 'processA start..');
  // Three messages go through, each put once and taken once; how often A finds the queue empty depends on timing.
  expectCount(matching(ls, /^get msg hello world$/), 3, '"get msg hello world" lines');
  const puts = matching(ls, /^put hello world queue size is (\d+)$/);
  expectCount(puts, 3, '"put hello world queue size is <n>" lines');
  for (const p of puts) if (Number(p[1]) > 3) fail(`${p[0]}: at most 3 messages are ever in the queue`);
  const other = ls.filter((l) => l !== 'processA start..' && !/^(get msg hello world|put hello world queue size is \d+|queue is empty \d+)$/.test(l));
  if (other.length) fail(`unexpected lines: ${other.join(' | ')}`);
  for (const e of matching(ls, /^queue is empty (\d+)$/)) if (Number(e[1]) > 1) fail(`${e[0]}: the queue was just found empty`);
}
