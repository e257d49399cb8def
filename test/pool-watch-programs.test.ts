// Whole programs: the progress bar drawn into a real pseudo-terminal (util-linux `script`, or
// python3's pty module where it is missing) and absent when stderr is a pipe; an idle pool with
// minProcesses: 0 goes back to no worker and lets its program end by itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contexts } from './helpers.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const program = (name: string) => path.join(root, 'test', 'programs', name);
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs `node file ...args` with stdin, stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
function inTerminal(file: string, args: string[], nodeArgs: string[] = []): { status: number | null; output: string } {
  const cmd = [process.execPath, ...nodeArgs, file, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = hasScript
    ? spawnSync('script', ['-qfec', cmd, '/dev/null'], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawnSync('python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, ...nodeArgs, file, ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

for (const context of contexts) {
  describe(`Pool programs (${context})`, () => {
    it('progress: a bar with count, %, rate and ETA in a terminal; unknown totals count items', () => {
      const r = inTerminal(program('progress-bar.mjs'), [context]);
      assert.equal(r.status, 0, r.output);
      assert.match(r.output, /result 39800 60/);
      assert.match(r.output, /doubling 100% \|=+\| 200\/200 \| [\d.]+ items\/s \| ETA 0s/, 'the labelled map bar, finished');
      assert.match(r.output, /doubling +\d+% \|[=-]+\| \d+\/200 \| [\d.]+ items\/s \| ETA (\d+s|--)/, 'the bar while running');
      assert.match(r.output, /\d+ items \| [\d.]+ items\/s \| \d+s elapsed/, 'the imap bar before its total is known');
      assert.match(r.output, /100% \|=+\| 60\/60/, 'the imap bar once the generator ended');
    });

    it('progress: nothing is drawn when stderr is not a terminal', () => {
      const r = spawnSync(process.execPath, [program('progress-bar.mjs'), context], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'result 39800 60\n');
      assert.equal(r.stderr, '');
    });

    it('without cli-progress: a bar asked for on a terminal throws ERR_PROGRESS_DEPENDENCY at the call; on a pipe nothing is loaded', () => {
      const without = ['-r', program('without-cli-progress.cjs')];
      const r = inTerminal(program('progress-bar.mjs'), [context], without);
      assert.notEqual(r.status, 0, r.output);
      assert.match(r.output, /ERR_PROGRESS_DEPENDENCY/);
      assert.match(r.output, /npm install cli-progress/);
      const piped = spawnSync(process.execPath, [...without, program('progress-bar.mjs'), context], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(piped.status, 0, piped.stderr);
      assert.equal(piped.stdout, 'result 39800 60\n');
    });

    it('async callbacks and listeners that reject are reported as warnings; the program does not die', () => {
      const r = spawnSync(process.execPath, [program('async-callbacks.mjs'), context], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { r: number[]; a: number; warnings: string[] };
      assert.deepEqual(out.r, [2, 4, 6]);
      assert.equal(out.a, 10);
      assert.deepEqual(out.warnings, [
        "a Pool 'drain' listener threw and was ignored: Error: drain rejected",
        'a Pool callback threw and was ignored: Error: callback rejected',
        'a Pool errorCallback threw and was ignored: Error: errorCallback rejected',
        'a Pool onProgress threw and was ignored: Error: onProgress rejected',
      ]);
    });

    it('an idle pool with minProcesses: 0 returns to no worker and the program ends by itself', () => {
      for (const mode of ['wait', 'no-wait']) {
        const started = Date.now();
        const r = spawnSync(process.execPath, [program('idle-zero.mjs'), context, mode], { cwd: root, encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout) as { r: number[]; before: number; during: number; after: number; starts: number; exits: number };
        assert.deepEqual(out.r, [1, 8, 27, 64]);
        assert.equal(out.before, 0, 'no worker before the first task');
        assert.equal(out.starts, 2);
        assert.ok(out.during >= 1);
        if (mode === 'wait') {
          assert.equal(out.after, 0, 'no worker left once idle');
          assert.equal(out.exits, 2, 'both workers exited');
        }
        assert.ok(Date.now() - started < 30_000, 'the program ended on its own');
      }
    });
  });
}
