// The native addon directly: named segments, futex wait/wake across processes, the async wait,
// PR_SET_PDEATHSIG. (Loaded the way the library loads it.)
import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { within, isAlivePid, sleep } from './helpers.ts';
import { addonFile, addonProblem } from '../src/native/addon.ts';

interface Addon {
  open(name: string, size: number, create: boolean, exclusive: boolean): SharedArrayBuffer;
  unlink(name: string): void;
  wait(sab: SharedArrayBuffer, off: number, expected: number, ms: number): number;
  wake(sab: SharedArrayBuffer, off: number, n: number): number;
  setDispatcher(fn: (ids: number[], results: number[]) => void): void;
  waitAsync(sab: SharedArrayBuffer, off: number, expected: number, ms: number, id: number): void;
}
// The file the library's loader picks here (a compiled build, a prebuild, or MULTIPROC_ADDON).
const addonPath = addonFile();
assert.ok(addonPath, `no addon loads here: ${addonProblem()}`);
const addon = createRequire(import.meta.url)(addonPath) as Addon;
process.env['MULTIPROC_ADDON'] = addonPath; // what native-child.cjs loads
const child = new URL('./fixtures/native-child.cjs', import.meta.url).pathname;
const results = new Map<number, (r: number) => void>();
addon.setDispatcher((ids, rs) =>
  ids.forEach((id, i) => {
    results.get(id)?.(rs[i]!);
    results.delete(id);
  }),
);
let nextId = 0;
const waitAsync = (sab: SharedArrayBuffer, off: number, expected: number, ms: number) =>
  new Promise<number>((r) => {
    const id = ++nextId;
    results.set(id, r);
    addon.waitAsync(sab, off, expected, ms, id);
  });

describe('native addon', () => {
  it('maps a named segment as a SharedArrayBuffer that another process sees; refuses exists/missing', async () => {
    const name = `/mp-native-${process.pid}`;
    const sab = addon.open(name, 4096, true, true);
    try {
      assert.ok(sab instanceof SharedArrayBuffer);
      assert.equal(sab.byteLength, 4096);
      assert.ok(existsSync(`/dev/shm${name}`));
      assert.throws(() => addon.open(name, 4096, true, true), { code: 'EEXIST' });
      assert.throws(() => addon.open('/mp-missing-x', 0, false, false), { code: 'ENOENT' });
      // The child adds, sets the flag, wakes us: the async wait ends without blocking the loop.
      const woken = waitAsync(sab, 0, 0, 30_000);
      const c = spawn(process.execPath, [child, name, 'add-and-wake'], { stdio: 'inherit' });
      assert.equal(await within(30_000, woken), 0, 'the wake from the child did not arrive (or the child took 30 s to start)');
      assert.equal(Atomics.load(new Int32Array(sab), 1), 41);
      await within(10_000, new Promise((r) => c.on('exit', r)));
      // Timeouts: async and blocking.
      assert.equal(await within(5000, waitAsync(sab, 16, 0, 50)), 2);
      assert.equal(addon.wait(sab, 16, 0, 20), 2);
      assert.equal(addon.wait(sab, 16, 5, 20), 1);
      assert.throws(() => addon.wait(sab, 3, 0, 1), TypeError);
    } finally {
      addon.unlink(name);
    }
    assert.equal(existsSync(`/dev/shm${name}`), false);
    assert.throws(() => addon.unlink(name), { code: 'ENOENT' });
  });

  it('PR_SET_PDEATHSIG ends a child blocked in a futex wait when its parent is killed', async () => {
    const name = `/mp-native-pd-${process.pid}`;
    const sab = addon.open(name, 4096, true, true);
    try {
      // A middle process (sh) starts the blocking child, then is killed.
      const middle = spawn('/bin/sh', ['-c', `"${process.execPath}" "${child}" "${name}" block & wait`], { stdio: 'inherit' });
      const i32 = new Int32Array(sab);
      const t0 = Date.now();
      while (Atomics.load(i32, 2) === 0) {
        if (Date.now() - t0 > 10_000) assert.fail('child did not start');
        await sleep(10);
      }
      const pid = Atomics.load(i32, 2);
      middle.kill('SIGKILL');
      const t1 = Date.now();
      while (isAlivePid(pid)) {
        if (Date.now() - t1 > 5000) {
          process.kill(pid, 'SIGKILL');
          assert.fail('the blocked child outlived its parent');
        }
        await sleep(20);
      }
    } finally {
      addon.unlink(name);
    }
  });
});
