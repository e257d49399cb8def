import { availableParallelism, cpus } from 'node:os';
import { expectCleanStderr, expectExit, expectSameSet, fail, lines, matching } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const ls = lines(stdout);
  const m = ls[0]?.match(/^Creating (\d+) consumers$/);
  if (!m) fail(`first line is ${JSON.stringify(ls[0])}, expected "Creating <n> consumers"`);
  const n = Number(m[1]);
  const counts = new Set([availableParallelism?.() ?? 0, cpus().length].map((c) => c * 2));
  if (!counts.has(n)) fail(`${n} consumers, expected cpuCount() * 2 (${[...counts].join(' or ')})`);
  const names = Array.from({ length: n }, (_, i) => `Consumer-${i + 1}`);
  const body = ls.slice(1);

  // Every task is taken by exactly one consumer, every consumer swallows one pill.
  const took = matching(body, /^(Consumer-\d+): (\d+) \* (\d+)$/);
  for (const t of took) {
    if (!names.includes(t[1])) fail(`unknown consumer name in ${JSON.stringify(t[0])}`);
    if (t[2] !== t[3]) fail(`task ${JSON.stringify(t[0])} should be i * i`);
  }
  expectSameSet(
    took.map((t) => t[2]),
    Array.from({ length: 10 }, (_, i) => String(i)),
    'tasks taken by consumers',
  );
  expectSameSet(
    matching(body, /^(Consumer-\d+): Exiting$/).map((x) => x[1]),
    names,
    'consumers exiting',
  );

  // The results come last (after tasks.join()), in the order they were put, any order of tasks.
  const results = body.slice(-10);
  const parsed = matching(results, /^Result: (\d+) \* (\d+) = (\d+)$/);
  if (parsed.length !== 10) fail(`the last 10 lines should be "Result: ..." lines, got ${JSON.stringify(results)}`);
  for (const r of parsed) {
    if (r[1] !== r[2] || Number(r[3]) !== Number(r[1]) * Number(r[2])) fail(`wrong result ${JSON.stringify(r[0])}`);
  }
  expectSameSet(
    parsed.map((r) => r[1]),
    Array.from({ length: 10 }, (_, i) => String(i)),
    'results',
  );
  if (body.length !== 10 + n + 10) fail(`expected ${20 + n} lines after the first, got ${body.length}`);
}
