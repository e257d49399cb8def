// Whole programs run as a user runs them: plain node (no tsx), CommonJS, tsx with top-level
// await, no main guard, logging, daemons at exit, and a SIGKILLed parent leaving no orphans.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contexts, isAlivePid, sleep } from './helpers.ts';

const dir = fileURLToPath(new URL('./programs/', import.meta.url));
const tsx = ['--import', 'tsx'];

function run(args: string[], timeoutMs = 30_000): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: timeoutMs });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

for (const context of contexts) {
  describe(`programs (${context})`, () => {
    it('plain ESM under node, functions from the entry file', () => {
      const r = run(['plain-esm.mjs', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'map [1,8,27]\nhello esm\nexit 0\n');
    });

    it('isMainEntry holds when the program is launched through a symlink', () => {
      const link = path.join(mkdtempSync(path.join(tmpdir(), 'mp-link-')), 'linked.mjs');
      symlinkSync(path.join(dir, 'plain-esm.mjs'), link);
      const r = run([link, context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'map [1,8,27]\nhello esm\nexit 0\n');
    });

    it('an idle pool that was never closed lets the program end', () => {
      const started = Date.now();
      const r = run(['idle-pool.mjs', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '8\n');
      assert.ok(Date.now() - started < 10_000, 'the program ended on its own');
    });

    it('the main program never loads a user module to revive a result', () => {
      const r = run(['never-imports.mjs', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'refused ERR_NOT_TRANSFERABLE\nrevived true 6\n');
    });

    it('CommonJS program with isMainEntry(module)', () => {
      const r = run(['plain-cjs.cjs', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'map [2,4,6]\n');
    });

    it('a CommonJS program using both entries holds one library: same classes, instanceof across them', () => {
      const r = run(['both-entries.cjs', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'same module true\ninstanceof true true\nmap [1,4,9]\nconnection true\n');
    });

    it('.ts entry with top-level await under tsx; its classes revive in the parent', () => {
      const r = run([...tsx, 'tla-entry.ts', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'map [2,3,4]\nbox true 42\n');
    });

    it('without the main guard a worker refuses to start a pool: ERR_BOOTSTRAPPING, no fork bomb', () => {
      const r = run([...tsx, 'unguarded.ts', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'rejected ERR_BOOTSTRAPPING\n');
    });

    it("logToStderr prints CPython's lifecycle records", () => {
      const r = run([...tsx, 'logging.ts', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'Doing some work\n');
      assert.equal(
        r.stderr,
        [
          '[INFO/Process-1] child process calling self.run()',
          '[INFO/Process-1] process shutting down',
          '[INFO/Process-1] process exiting with exitcode 0',
          '[INFO/MainProcess] process shutting down',
          '',
        ].join('\n'),
      );
    });

    it('at exit daemons are terminated and other children awaited; a failing child prints its stack', () => {
      const started = Date.now();
      const r = run([...tsx, 'daemon.ts', context]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'main done\nnon-daemon done\n');
      assert.ok(Date.now() - started < 15_000, 'the daemon did not hold the program');
      assert.match(r.stderr, /^Process Process-3:\nTypeError: boom in child\n\s+at raises/m);
    });
  });
}

describe('no orphans', () => {
  it('children and pool workers exit within a second of the parent being SIGKILLed, even mid-loop', async () => {
    const child = spawn(process.execPath, [...tsx, 'orphans.ts'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!out.includes('\n') && Date.now() < deadline) await sleep(50);
    const { pids } = JSON.parse(out) as { pids: number[] };
    assert.equal(pids.length, 4);
    for (const pid of pids) assert.ok(isAlivePid(pid), `child ${pid} should run before the parent dies`);
    await sleep(200);
    child.kill('SIGKILL');
    await sleep(1000);
    const alive = pids.filter(isAlivePid);
    assert.deepEqual(alive, [], `orphans left: ${alive.join(', ')}`);
  });
});

describe('without the native addon (MULTIPROC_NATIVE=0)', () => {
  it('threads still share a Value; a process child and a named SharedMemory say ERR_SHARED_MEMORY_UNAVAILABLE; a process Pool still works and attributes a death', () => {
    const r = spawnSync(process.execPath, [...tsx, 'no-addon.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MULTIPROC_NATIVE: '0' } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'threads 1000',
      'process ERR_SHARED_MEMORY_UNAVAILABLE never started',
      'shm ERR_SHARED_MEMORY_UNAVAILABLE',
      'pool task ERR_SHARED_MEMORY_UNAVAILABLE ERR_SHARED_MEMORY_UNAVAILABLE',
      'queue ERR_SHARED_MEMORY_UNAVAILABLE',
      'pool 2,4,6,8,10,12',
      'lost ERR_WORKER_LOST',
      'after 14,16,18',
    ]);
    // Switched off on purpose: no warning.
    assert.doesNotMatch(r.stderr, /MULTIPROC_NO_ADDON/);
  });

  it("a queue refuses shared memory by its own context: a thread context's queue takes it, a process context's refuses it after setStartMethod('thread')", () => {
    const r = spawnSync(process.execPath, [...tsx, 'no-addon-queues.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MULTIPROC_NATIVE: '0' } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'thread queue accepted',
      'thread queue item arrived',
      'process queue ERR_SHARED_MEMORY_UNAVAILABLE',
      'process joinable queue ERR_SHARED_MEMORY_UNAVAILABLE',
    ]);
  });

  it('an addon that fails to load: the same refusals, and one warning at first use saying why', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, MULTIPROC_ADDON: path.join(dir, 'no-such-addon.node') };
    delete env['MULTIPROC_NATIVE'];
    const r = spawnSync(process.execPath, [...tsx, 'no-addon.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n')[1], 'process ERR_SHARED_MEMORY_UNAVAILABLE never started');
    const warnings = r.stderr.split('\n').filter((l) => l.includes('MULTIPROC_NO_ADDON'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0]!, /no-such-addon\.node did not load/);
    assert.match(warnings[0]!, /npm rebuild multiproc/);
  });
});
