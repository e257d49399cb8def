// The test suite in two phases, so that it fits CI's time (issue 10): every file not in
// test/serial-suites.json runs two files at a time (tests hold on a busy machine anyway, and
// most of their time is spent waiting for processes, sleeps and timeouts), then the serial files
// one at a time. Prints each phase's wall time and the ten slowest files.
// `node scripts/test-suite.mjs [--fast | test/<file>.test.ts ...]` runs with this Node;
// scripts/test-node.mjs calls runSuite() with another major's binary and environment.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const listOf = (name) => JSON.parse(readFileSync(path.join(root, 'test', name), 'utf8')).files;

/** The files `args` name: the fast suites (--fast), the files given, or every test file. */
export function suiteFiles(args) {
  const named = args.filter((a) => a !== '--fast');
  if (named.length) return named;
  if (args.includes('--fast')) return listOf('fast-suites.json');
  return readdirSync(path.join(root, 'test'))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => `test/${f}`);
}

/** Runs `files` with `nodeBin`; resolves nothing, returns the exit status (0 when every file passed). */
export function runSuite({ nodeBin = process.execPath, env = process.env, files, timeoutMs = 900_000, concurrency = 2 }) {
  const serialSet = new Set(listOf('serial-suites.json'));
  const serial = files.filter((f) => serialSet.has(f));
  // The longest files first (examples, cluster), so the two slots end at about the same time.
  const first = ['test/examples.test.ts'];
  const parallel = files
    .filter((f) => !serialSet.has(f))
    .sort((a, b) => Number(first.includes(b)) - Number(first.includes(a)) || Number(b.includes('/cluster-')) - Number(a.includes('/cluster-')) || a.localeCompare(b));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'multiproc-suite-'));
  const reporter = pathToFileURL(path.join(root, 'scripts', 'test-durations.mjs')).href;
  const phases = [];
  let status = 0;
  try {
    for (const [name, group, n] of [
      ['parallel', parallel, concurrency],
      ['serial', serial, 1],
    ]) {
      if (!group.length) continue;
      const log = path.join(tmp, `${name}.jsonl`);
      console.error(`multiproc: ${group.length} test file(s), ${n} at a time (${name})`);
      const started = Date.now();
      const r = spawnSync(
        nodeBin,
        [
          '--import',
          'tsx',
          '--test',
          `--test-concurrency=${n}`,
          `--test-timeout=${timeoutMs}`,
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          `--test-reporter=${reporter}`,
          `--test-reporter-destination=${log}`,
          ...group,
        ],
        { stdio: 'inherit', cwd: root, env },
      );
      phases.push({ name, files: group.length, s: (Date.now() - started) / 1000, status: r.status ?? 1, log });
      if (r.status !== 0) status = r.status ?? 1;
    }
    const summed = new Map(); // file -> sum of its top-level tests
    const whole = new Map(); // file -> its own duration, where Node reports one (22 and later)
    for (const p of phases) {
      let text = '';
      try {
        text = readFileSync(p.log, 'utf8');
      } catch {
        /* the run died before reporting */
      }
      for (const line of text.split('\n').filter(Boolean)) {
        const { file, name, ms } = JSON.parse(line);
        if (path.resolve(root, String(name)) === path.resolve(root, file)) whole.set(file, ms);
        else summed.set(file, (summed.get(file) ?? 0) + ms);
      }
    }
    const perFile = new Map([...summed, ...whole]);
    const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 10);
    console.error('multiproc: slowest test files:');
    for (const [file, ms] of slowest) console.error(`  ${(ms / 1000).toFixed(1).padStart(7)} s  ${path.relative(root, file)}`);
    for (const p of phases) console.error(`multiproc: ${p.name} phase, ${p.files} file(s): ${p.s.toFixed(0)} s${p.status ? ` (FAILED, exit ${p.status})` : ''}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return status;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = runSuite({ files: suiteFiles(process.argv.slice(2)) });
}
