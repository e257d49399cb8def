// No free file descriptors (a low `ulimit -n`, a leak elsewhere in the program): starting a
// worker fails with EMFILE, and a process cannot reach its hub. The programs run under
// `prlimit --nofile` (util-linux) and use up what is left by opening /dev/null, so the
// shortage is real and comes back when they close those. In the thread context the whole
// process (parent, hub thread, workers) is short at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { contexts } from './helpers.ts';

const dir = fileURLToPath(new URL('./programs/', import.meta.url));

function underFdLimit(limit: number, args: string[], env: Record<string, string> = {}): { stdout: string; stderr: string; status: number | null; signal: string | null } {
  const r = spawnSync('prlimit', [`--nofile=${limit}`, process.execPath, ...args], { cwd: dir, encoding: 'utf8', timeout: 100_000, env: { ...process.env, ...env } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal };
}

const probe = spawnSync('prlimit', ['--nofile=64', 'true'], { encoding: 'utf8' });
const cannot = probe.error || probe.status !== 0 ? `prlimit (util-linux) cannot run here: ${probe.error?.message ?? probe.stderr.trim()}` : undefined;
if (cannot) console.log(`# fd-exhaustion.test.ts SKIPPED: ${cannot}`);

for (const context of contexts) {
  describe(`no free file descriptors (${context})`, () => {
    it('a worker that cannot start is ERR_WORKER_START with the EMFILE as cause on the calls that needed it; the pool heals; nothing crashes', { skip: cannot }, () => {
      const r = underFdLimit(256, ['fd-pool.mjs', context]);
      assert.equal(r.signal, null, `killed by ${r.signal}:\n${r.stdout}${r.stderr}`);
      assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Unhandled 'error' event|TypeError/);
      assert.equal(
        r.stdout,
        [
          'new Pool(4) with no free descriptor: made',
          'map: ERR_WORKER_START cause EMFILE',
          'apply: ERR_WORKER_START cause EMFILE',
          'Process: exitCode 1, ERR_WORKER_START cause EMFILE',
          'map after descriptors came back: resolved [1,4,9,16,25,36,49,64]',
          'it has its 4 workers',
          'a worker lost while short, map on the others: resolved [81,100,121,144]',
          'healed: 4 workers, map resolved [169,196]',
          'exit 0',
          '',
        ].join('\n'),
      );
    });

    it('queue items put while the producer cannot reach the hub (EMFILE), or before the hub thread could start, all arrive once descriptors are back', { skip: cannot }, () => {
      const r = underFdLimit(256, ['fd-queue.mjs', context]);
      assert.equal(r.signal, null, `killed by ${r.signal}:\n${r.stdout}${r.stderr}`);
      assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
      assert.equal(
        r.stdout,
        'first queue of the program, made with no free descriptor: got "made while short"\n' + 'resolved 160; delivered 160 of 160, in order; producer exit 0\n',
        r.stderr,
      );
    });

    it(
      'a hub out of reach for longer than the retries is ERR_HUB_UNREACHABLE with the EMFILE as cause; a put made meanwhile rejects so, never resolving for an item not sent; the next connect is tried afresh',
      { skip: cannot },
      () => {
        // The client's patience (30 s) shortened to 2 s.
        const r = underFdLimit(256, ['fd-hub-unreachable.mjs', context], { MULTIPROC_HUB_SHORTAGE_PATIENCE_MS: '2000' });
        assert.equal(r.signal, null, `killed by ${r.signal}:\n${r.stdout}${r.stderr}`);
        assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
        assert.equal(
          r.stdout,
          [
            'put while short: ERR_HUB_UNREACHABLE cause EMFILE; then resolved undefined',
            'qsize: ERR_HUB_UNREACHABLE cause EMFILE; then resolved 2',
            'the queue holds 2 item(s)',
            '',
          ].join('\n'),
          r.stderr,
        );
      },
    );
  });
}
