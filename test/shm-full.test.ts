// A full /dev/shm (Docker's default is 64 MiB): shared memory that does not fit is a coded
// ERR_SHM_NO_SPACE at the call, never a SIGBUS (exit 135) at the first write, and pools go on.
// The program (test/programs/shm-full.mjs) runs in a private mount namespace whose /dev/shm is
// a 4 MiB tmpfs, so the machine's own /dev/shm is never filled. That needs root (or
// CAP_SYS_ADMIN) and util-linux's unshare; where they are missing the test says so and skips.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { contexts } from './helpers.ts';

const dir = fileURLToPath(new URL('./programs/', import.meta.url));

/** Runs `command` (a shell line) with /dev/shm a private tmpfs of `size`, or null where that is not allowed. */
function underSmallShm(size: string, command: string): { stdout: string; stderr: string; status: number | null; signal: string | null } {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=${size} tmpfs /dev/shm && exec ${command}`], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal };
}

const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /dev/shm'], { encoding: 'utf8' });
const cannot =
  probe.error || probe.status !== 0
    ? `cannot mount a private tmpfs on /dev/shm here (needs root and util-linux unshare): ${probe.error?.message ?? probe.stderr.trim()}`
    : undefined;
if (cannot) console.log(`# shm-full.test.ts SKIPPED: ${cannot}`);

for (const context of contexts) {
  describe(`a full /dev/shm (${context})`, () => {
    it('Value, Lock, SharedArray and SharedMemory that do not fit throw ERR_SHM_NO_SPACE at the call; Pool.map still works; no SIGBUS', { skip: cannot }, () => {
      const r = underSmallShm('4m', `${JSON.stringify(process.execPath)} shm-full.mjs ${context}`);
      assert.notEqual(r.status, 135, `the program died of SIGBUS:\n${r.stdout}${r.stderr}`);
      assert.equal(r.signal, null, `the program died of ${r.signal}:\n${r.stdout}${r.stderr}`);
      assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
      assert.equal(
        r.stdout,
        [
          'array larger than /dev/shm: ERR_SHM_NO_SPACE (says where, how big, what to do)',
          'SharedMemory larger than /dev/shm: ERR_SHM_NO_SPACE (says where, how big, what to do)',
          'Value on a full /dev/shm: ERR_SHM_NO_SPACE (says where, how big, what to do)',
          'Lock on a full /dev/shm: ERR_SHM_NO_SPACE (says where, how big, what to do)',
          'map on a full /dev/shm: [1,4,9,16,25,36,49,64]',
          'Value made in a worker: ERR_SHM_NO_SPACE (says where)',
          'Lock made in a worker: ERR_SHM_NO_SPACE (says where)',
          'a Process whose Lock found no room: exitCode 1',
          'with room again: Value 2.5, map [81,100]',
          'Lock made in a worker with room: resolved "made"',
          'end',
          '',
        ].join('\n'),
      );
    });
  });
}
