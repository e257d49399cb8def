// SharedMemory and ShareableList across real processes and threads, with CPython's semantics
// and errors, and the resource tracker: segments a program leaves (exiting or SIGKILLed) are
// unlinked after it; this suite leaves /dev/shm as it found it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pool, Process, SharedMemory, ShareableList, type ShareableValue } from 'multiproc';
import * as t from './fixtures/shm-targets.ts';
import { contexts, within, sleep } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/shm-targets.ts', import.meta.url));
const present = (name: string) => existsSync(`/dev/shm/${name}`);
/** Segments this suite made (other programs may use /dev/shm meanwhile): all gone at the end. */
const made = new Set<string>();
function mine<T extends SharedMemory | ShareableList<any>>(x: T): T {
  made.add(x instanceof SharedMemory ? x.name : x.shm.name);
  return x;
}

/** The error `fn` throws (fails if it does not). */
function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

/** Runs the fixture program; resolves its first stdout line (JSON) and, later, its exit. */
function program(...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '',
    err = '';
  child.stderr.on('data', (b: Buffer) => {
    err += b;
  });
  const exited = new Promise<[number | null, string | null]>((r) => child.on('close', (code, signal) => r([code, signal])));
  const line = new Promise<any>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    void exited.then(([code]) => reject(new Error(`the program exited (${code}) before printing; stderr: ${err}`)));
  });
  return { child, line, exited, stderr: () => err };
}

/** Waits (bounded) until none of `names` is in /dev/shm. */
async function allGone(names: string[], ms = 10_000): Promise<void> {
  for (const n of names) made.add(n);
  await within(
    ms,
    (async () => {
      while (names.some(present)) await sleep(50);
    })(),
    `unlinking of ${names.filter(present).join(', ')}`,
  );
}

describe('SharedMemory', () => {
  it('create picks a fresh psm_ name; buf is exactly size long, zero-filled; attach by name shares the bytes', () => {
    const a = mine(new SharedMemory({ create: true, size: 100 }));
    try {
      assert.match(a.name, /^psm_[0-9a-f]+$/);
      assert.equal(a.size, 100);
      assert.ok(a.buf instanceof Uint8Array);
      assert.equal(a.buf.length, 100);
      assert.ok(a.buf.every((x) => x === 0));
      assert.ok(present(a.name));
      a.buf.set([1, 2, 3]);
      const b = new SharedMemory({ name: a.name });
      assert.equal(b.size, 100);
      assert.deepEqual(Array.from(b.buf.subarray(0, 3)), [1, 2, 3]);
      b.buf[99] = 7;
      assert.equal(a.buf[99], 7);
      b.close();
    } finally {
      a.unlink();
      a.close();
    }
    assert.ok(!present(a.name));
  });

  it('errors as CPython: exists, not found, unlink twice, bad sizes, attach without a name', () => {
    const name = `psm_test_${process.pid}`;
    const a = mine(new SharedMemory({ name: `/${name}`, create: true, size: 8 }));
    try {
      assert.equal(a.name, name, 'no leading slash');
      const exists = thrown(() => new SharedMemory({ name, create: true, size: 8 }));
      assert.equal(exists.code, 'ERR_SHM_EXISTS');
    } finally {
      a.unlink();
    }
    assert.equal(thrown(() => new SharedMemory({ name })).code, 'ERR_SHM_NOT_FOUND');
    assert.equal(thrown(() => a.unlink()).code, 'ERR_SHM_NOT_FOUND');
    assert.equal(a.buf.length, 8, 'the memory stays usable after unlink');
    a.close();
    for (const size of [0, -1, 1.5, NaN, Infinity]) {
      const e = thrown(() => new SharedMemory({ create: true, size }));
      assert.ok(e instanceof RangeError, `size ${size}`);
      assert.equal(e.code, 'ERR_OUT_OF_RANGE');
    }
    assert.ok(thrown(() => new SharedMemory({ create: true })) instanceof RangeError, 'size missing');
    assert.equal(thrown(() => new SharedMemory({ name, size: -1 })).code, 'ERR_OUT_OF_RANGE');
    assert.ok(thrown(() => new SharedMemory()) instanceof TypeError);
    assert.ok(thrown(() => new SharedMemory({ name: 'a/b' })) instanceof TypeError);
  });

  it('close(): buf throws ERR_SHM_CLOSED; other handles keep the memory; close twice is fine; unlink after close', () => {
    const a = mine(new SharedMemory({ create: true, size: 16 }));
    const b = new SharedMemory({ name: a.name });
    a.buf[0] = 5;
    a.close();
    a.close();
    const e = thrown(() => a.buf);
    assert.equal(e.code, 'ERR_SHM_CLOSED');
    assert.match(e.message, /closed/);
    assert.equal(b.buf[0], 5);
    b.buf[1] = 6;
    const c = new SharedMemory({ name: a.name });
    assert.equal(c.buf[1], 6);
    assert.equal(a.name, c.name);
    a.unlink();
    assert.ok(!present(a.name));
    b.close();
    c.close();
  });
});

for (const context of contexts) {
  describe(`SharedMemory and ShareableList across ${context === 'process' ? 'processes' : 'threads'}`, () => {
    let pool: Pool;
    before(() => {
      pool = new Pool({ processes: 2, context });
    });
    after(() => pool.terminate());

    it('a child writes into .buf of a SharedMemory it was sent; the parent sees it', async () => {
      const shm = mine(new SharedMemory({ create: true, size: 32 }));
      try {
        const p = new Process({ target: t.writeInto, args: [shm, 3, [10, 20, 30]], context });
        p.start();
        await within(20_000, p.join());
        assert.equal(p.exitCode, 0);
        assert.deepEqual(Array.from(shm.buf.subarray(2, 7)), [0, 10, 20, 30, 0]);
        await within(20_000, pool.apply(t.writeInto, [shm, 31, [255]]));
        assert.equal(shm.buf[31], 255);
      } finally {
        shm.unlink();
        shm.close();
      }
    });

    it('a child attaches by name, reads what the parent wrote and writes back', async () => {
      const shm = mine(new SharedMemory({ create: true, size: 8 }));
      try {
        shm.buf.set([1, 2, 3, 4]);
        assert.deepEqual(await within(20_000, pool.apply(t.attachAndWrite, [shm.name, 4, 5, 77])), [1, 2, 3, 4]);
        assert.equal(shm.buf[5], 77);
      } finally {
        shm.unlink();
        shm.close();
      }
    });

    it('ShareableList: sent to a child, and attached by name in a child', async () => {
      const sl = mine(new ShareableList<string | number | null>(['parent', 2, null, 'abc']));
      try {
        assert.deepEqual(await within(20_000, pool.apply(t.listSet, [sl, -1, 'xyz'])), ['parent', 2, null, 'xyz']);
        assert.equal(sl.get(3), 'xyz');
        assert.deepEqual(await within(20_000, pool.apply(t.listAttach, [sl.shm.name])), ['parent', 2, null, 'xyz']);
        assert.equal(sl.get(0), 'child');
      } finally {
        sl.shm.unlink();
        sl.shm.close();
      }
    });

    it('a segment a child creates and leaves outlives the child while this program runs', async () => {
      const out = mine(new ShareableList(['x'.repeat(32)]));
      try {
        const p = new Process({ target: t.createAndLeave, args: [out, 16], context });
        p.start();
        await within(20_000, p.join());
        assert.equal(p.exitCode, 0);
        const name = out.get(0) as string;
        made.add(name);
        assert.match(name, /^psm_/);
        await sleep(300); // a tracker of the child's own would have unlinked it by now
        const shm = new SharedMemory({ name });
        assert.equal(shm.buf[0], 99);
        shm.unlink();
        shm.close();
      } finally {
        out.shm.unlink();
        out.shm.close();
      }
    });
  });
}

describe('ShareableList', () => {
  it('holds numbers, bigints, booleans, strings, Buffers, null and undefined; negative indexes; count and index', () => {
    const sl = mine(new ShareableList<ShareableValue>([1.5, -0, 2n ** 62n, true, false, 'héllo', Buffer.from([0, 1, 0]), null, undefined, 'héllo']));
    try {
      assert.equal(sl.length, 10);
      const all = sl.toArray();
      assert.deepEqual(all, [1.5, -0, 2n ** 62n, true, false, 'héllo', Buffer.from([0, 1, 0]), null, undefined, 'héllo']);
      assert.ok(Object.is(sl.get(1), -0));
      assert.ok(Buffer.isBuffer(sl.get(6)), 'a Buffer comes back, trailing zeros kept');
      assert.equal(sl.get(-1), 'héllo');
      assert.equal(sl.get(-10), 1.5);
      assert.equal(sl.count('héllo'), 2);
      assert.equal(sl.count(Buffer.from([0, 1, 0])), 1);
      assert.equal(sl.index(null), 7);
      assert.equal(sl.index('héllo'), 5);
      const missing = thrown(() => sl.index('nope'));
      assert.equal(missing.code, 'ERR_VALUE_NOT_FOUND');
      sl.set(0, 'abcdefgh'); // a number's 8 bytes take a string of up to 8
      assert.equal(sl.get(0), 'abcdefgh');
      sl.set(5, 42n);
      assert.equal(sl.get(5), 42n);
      sl.set(-2, 'now str');
      assert.equal(sl.get(8), 'now str');
    } finally {
      sl.shm.unlink();
      sl.shm.close();
    }
  });

  it('errors: out of range, longer than the slot, unsupported values, bigints beyond 64 bits, not a list', () => {
    const sl = mine(new ShareableList<ShareableValue>(['abc', 1]));
    try {
      for (const i of [2, -3, 100]) {
        const e = thrown(() => sl.get(i));
        assert.ok(e instanceof RangeError);
        assert.equal(e.code, 'ERR_OUT_OF_RANGE');
        assert.equal(thrown(() => sl.set(i, 1)).code, 'ERR_OUT_OF_RANGE');
      }
      const long = thrown(() => sl.set(0, 'abcdefghi'));
      assert.ok(long instanceof RangeError);
      assert.match(long.message, /exceeds available storage/);
      assert.match(thrown(() => sl.set(1, Buffer.alloc(9))).message, /exceeds available storage/);
      assert.equal(sl.get(0), 'abc', 'a refused set changes nothing');
      assert.ok(thrown(() => sl.set(0, {} as never)) instanceof TypeError);
      assert.ok(thrown(() => new ShareableList([[1]] as never)) instanceof TypeError);
      assert.equal(thrown(() => sl.set(1, 2n ** 64n)).code, 'ERR_OUT_OF_RANGE');
      assert.ok(thrown(() => sl.get(0.5)) instanceof TypeError);
    } finally {
      sl.shm.unlink();
      sl.shm.close();
    }
    const plain = mine(new SharedMemory({ create: true, size: 64 }));
    try {
      assert.equal(thrown(() => new ShareableList(undefined, { name: plain.name })).code, 'ERR_INVALID_ARG_VALUE');
    } finally {
      plain.unlink();
      plain.close();
    }
  });

  it('empty and named lists; attach by name; closed lists throw ERR_SHM_CLOSED', () => {
    const empty = mine(new ShareableList());
    assert.equal(empty.length, 0);
    assert.deepEqual(empty.toArray(), []);
    empty.shm.unlink();
    empty.shm.close();
    const name = `psm_list_${process.pid}`;
    const a = mine(new ShareableList([1, 2, 3], { name }));
    try {
      assert.equal(a.shm.name, name);
      const b = new ShareableList<number>(undefined, { name });
      assert.deepEqual(b.toArray(), [1, 2, 3]);
      b.set(1, 20);
      assert.equal(a.get(1), 20);
      b.shm.close();
      assert.equal(thrown(() => b.get(0)).code, 'ERR_SHM_CLOSED');
      assert.equal(thrown(() => new ShareableList([1], { name })).code, 'ERR_SHM_EXISTS');
    } finally {
      a.shm.unlink();
      a.shm.close();
    }
  });
});

describe('other programs and the resource tracker', () => {
  it('two programs share a SharedMemory by name', async () => {
    const shm = mine(new SharedMemory({ create: true, size: 8 }));
    try {
      shm.buf.set([9, 8, 7, 6]);
      const other = program('attach', shm.name);
      assert.deepEqual(await within(20_000, other.line), [9, 8, 7, 6]);
      assert.deepEqual(await within(20_000, other.exited), [0, null]);
      assert.equal(shm.buf[4], 42);
    } finally {
      shm.unlink();
      shm.close();
    }
  });

  it('segments a program leaves are unlinked once it exits', async () => {
    const p = program('leak', '3');
    const { names } = (await within(20_000, p.line)) as { names: string[] };
    assert.equal(names.length, 4);
    assert.deepEqual(await within(20_000, p.exited), [0, null]);
    await allGone(names);
    assert.equal(p.stderr(), '', 'the tracker is silent');
  });

  it('also when it is SIGKILLed, with the segment its child process made', async () => {
    const p = program('hang', '2');
    const { names } = (await within(30_000, p.line)) as { names: string[] };
    assert.equal(names.length, 5);
    assert.ok(names.every(present));
    p.child.kill('SIGKILL');
    assert.deepEqual(await within(20_000, p.exited), [null, 'SIGKILL']);
    await allGone(names);
  });

  it("a child process's segment outlives the child and goes when the program ends", async () => {
    const p = program('tree');
    const r = (await within(30_000, p.line)) as { names: string[]; childExit: number; outlived: boolean };
    assert.deepEqual([r.childExit, r.outlived], [0, true]);
    assert.deepEqual(await within(20_000, p.exited), [0, null]);
    await allGone(r.names);
  });

  for (const context of contexts) {
    it(`a segment made by a ${context} worker started before the program's first segment outlives the worker (${context})`, async () => {
      const p = program('early', context);
      const r = (await within(30_000, p.line)) as { names: string[]; outlived: boolean };
      assert.equal(r.outlived, true);
      assert.deepEqual(await within(20_000, p.exited), [0, null]);
      await allGone(r.names);
    });
  }

  it('this suite left no segment behind', () => {
    assert.ok(made.size > 20);
    assert.deepEqual([...made].filter(present), []);
  });
});
