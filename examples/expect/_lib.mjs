// Helpers for the expectation files: each examples/expect/<name>.mjs exports
// check(stdout, stderr, exitCode, info) and throws (or returns a string) to fail.
// info = { pid, signal, durationMs, runnerPid, slowdown }: pid is the example's main process;
// slowdown (>= 1) is how much slower than idle the machine measured just before, which wall-time
// bounds multiply by (a loaded machine starts processes and workers that much later).

export class CheckFailure extends Error {}

export function fail(message) {
  throw new CheckFailure(message);
}

export function lines(text) {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0);
}

export function show(value, max = 300) {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

const IGNORABLE_STDERR = [/ExperimentalWarning/, /^\(Use `node --trace-warnings/];

/** stderr without Node's own ignorable warnings. */
export function stderrLines(stderr) {
  return lines(stderr).filter((l) => !IGNORABLE_STDERR.some((re) => re.test(l)));
}

export function expectExit(exitCode, stderr, want = 0) {
  if (exitCode !== want) {
    const ls = stderrLines(stderr);
    const errs = ls.filter((l) => /Error|error|ERR_/.test(l)).slice(0, 3);
    const excerpt = errs.length ? errs : ls.slice(-4);
    fail(`exit code ${exitCode}, expected ${want}; stderr: ${show(excerpt.join(' | ') || '<empty>', 600)}`);
  }
}

export function expectCleanStderr(stderr) {
  const rest = stderrLines(stderr);
  if (rest.length) fail(`unexpected stderr: ${show(rest.slice(0, 6).join(' | '), 600)}`);
}

export function expectLines(actual, expected, what = 'stdout') {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      fail(`${what} line ${i + 1} is ${show(actual[i] ?? '<missing>')}, expected ${show(expected[i] ?? '<nothing more>')} (${what}: ${show(actual.join(' | '), 600)})`);
    }
  }
}

/** Same lines in any order (a multiset). */
export function expectSameSet(actual, expected, what = 'lines') {
  const a = [...actual].sort();
  const e = [...expected].sort();
  if (a.length !== e.length || a.some((x, i) => x !== e[i])) {
    fail(`${what}: got ${show(a)}, expected (in any order) ${show(e)}`);
  }
}

export function indexOfLine(ls, line, what = 'stdout') {
  const i = ls.indexOf(line);
  if (i < 0) fail(`${what} has no line ${show(line)} (${what}: ${show(ls.join(' | '), 600)})`);
  return i;
}

export function expectBefore(ls, first, second, what = 'stdout') {
  const i = indexOfLine(ls, first, what);
  const j = indexOfLine(ls, second, what);
  if (!(i < j)) fail(`${what}: ${show(first)} should come before ${show(second)}`);
}

/** The lines that match re, with their match objects. */
export function matching(ls, re) {
  return ls.map((l) => l.match(re)).filter(Boolean);
}

export function expectCount(items, n, what) {
  if (items.length !== n) fail(`${items.length} ${what}, expected ${n}`);
}
