import { expectCleanStderr, expectExit, expectSameSet, fail, lines } from './_lib.mjs';

const range = (n) => Array.from({ length: n }, (_, i) => i);

function parseList(line, what) {
  const m = line?.match(/^\[(\d+(?:, \d+)*)\]$/);
  if (!m) fail(`${what} should be a list like [0, 1, 2], got ${JSON.stringify(line)}`);
  return m[1].split(', ').map(Number);
}

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  if (ls.length !== 12) fail(`expected 12 lines (10 children, the dict, the list), got ${ls.length}: ${ls.join(' | ')}`);

  // The final list: range(5), then every n once, in the order the children appended.
  const final = parseList(ls[11], 'the last line');
  if (final.length !== 15 || range(5).some((i) => final[i] !== i)) fail(`the list should start with 0, 1, 2, 3, 4 and have 15 items: ${ls[11]}`);
  expectSameSet(final.slice(5).map(String), range(10).map(String), 'items appended to the list');

  // Each child printed the list after its append: a prefix of the final list at least as long as
  // it was right after that append (another child may append in between, as in Python).
  const lengths = [];
  for (const line of ls.slice(0, 10)) {
    const l = parseList(line, 'a child line');
    if (l.length < 6 || l.some((x, i) => x !== final[i])) fail(`a child printed ${line}, which is not a prefix of the final list ${ls[11]}`);
    lengths.push(l.length);
  }
  lengths.sort((a, b) => a - b);
  // The k-th append (k = 1..10) makes the list 5 + k long, so the k-th shortest print has at least that.
  lengths.forEach((len, i) => {
    if (len < 6 + i) fail(`the children printed lists of lengths ${lengths.join(', ')}: fewer appends than children`);
  });
  if (lengths[9] !== 15) fail(`the child that appended last should print all 15 items; longest print has ${lengths[9]}`);

  // The dict: 12 keys whose types survive (number 2 is not string '2'), in the order the children set them.
  const m = ls[10].match(/^Map\(12\) \{ (.*) \}$/);
  if (!m) fail(`line 11 should be the dict as Map(12) { ... }, got ${JSON.stringify(ls[10])}`);
  expectSameSet(m[1].split(', '), [...range(10).map((i) => `${i} => '1'`), "'2' => 2", '0.25 => null'], 'dict entries');
}
