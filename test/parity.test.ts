// CPython parity (issue 11): a child finishes the work its target left scheduled; invalid
// SharedMemory names; p.sentinel before start(); ctx.getContext(); Lock.locked();
// Queue.shutdown(); authKey; ShareableList.format. Each in both contexts.
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Process,
  Pipe,
  Event,
  Lock,
  RLock,
  Queue,
  JoinableQueue,
  SharedMemory,
  ShareableList,
  type ShareableValue,
  ShutDown,
  currentProcess,
  getContext,
  Manager,
  Pool,
  SharedMemoryManager,
  type SyncManager,
} from 'multiproc';
import * as t from './fixtures/parity-targets.ts';
import { contexts, within, rejection, sleep } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'multiproc-parity-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `out-${++files}`);

for (const context of contexts) {
  describe(`a child finishes the work its target left (${context})`, () => {
    it('a timer set by the target still runs, then the child exits 0', async () => {
      const file = freshFile();
      const p = new Process({ target: t.timerWrites, args: [file, 300], context });
      p.start();
      await within(30_000, p.join());
      assert.equal(p.exitCode, 0);
      assert.equal(readFileSync(file, 'utf8'), 'timer');
    });

    it('createWriteStream(p).end(data) without awaiting it: the file is written', async () => {
      const file = freshFile();
      const data = 'x'.repeat(1 << 20);
      const p = new Process({ target: t.streamWrites, args: [file, data], context });
      p.start();
      await within(30_000, p.join());
      assert.equal(p.exitCode, 0);
      assert.equal(readFileSync(file, 'utf8').length, data.length);
    });

    it('a target that throws after scheduling work: the work runs, the exit code is still 1', async () => {
      const file = freshFile();
      const p = new Process({ target: t.timerThenThrow, args: [file, 200], context });
      p.start();
      await within(30_000, p.join());
      assert.equal(p.exitCode, 1);
      assert.ok(p.error instanceof RangeError);
      assert.equal(readFileSync(file, 'utf8'), 'timer');
    });

    it('terminate() and kill() still end a child at once while it waits for its work', async () => {
      const a = new Process({ target: t.longTimer, args: [120_000], context });
      const b = new Process({ target: t.longTimer, args: [120_000], context });
      a.start();
      b.start();
      await sleep(1500);
      assert.ok(a.isAlive() && b.isAlive(), 'the children wait for their timers');
      a.terminate();
      b.kill();
      await within(20_000, Promise.all([a.join(), b.join()]));
      assert.equal(a.exitCode, -15);
      assert.equal(b.exitCode, -9);
    });

    it("the library's own handles (hub links and threads, an idle Pool, a Manager) do not keep it alive", async () => {
      const q = new Queue<string>();
      const p = new Process({ target: t.leavesLibraryObjectsOpen, args: [q], context });
      p.start();
      assert.equal(await within(60_000, q.get()), 'done');
      await within(20_000, p.join(), "a child that left the library's objects open");
      assert.equal(p.exitCode, 0);
    });

    it("a daemon child keeps today's rule: it exits when its target settles", async () => {
      const file = freshFile();
      // The timer is far beyond the bound: a child that waited for it would miss the bound even
      // on an idle machine, and the bound is generous enough for a start at load 20.
      const p = new Process({ target: t.timerWrites, args: [file, 180_000], context, daemon: true });
      p.start();
      await within(90_000, p.join(), 'a daemon child with a pending timer');
      assert.equal(p.exitCode, 0);
      assert.equal(existsSync(file), false);
    });
  });

  describe(`CPython parity, smaller items (${context})`, () => {
    it("SharedMemory names: NUL, a '/' after the first, longer than NAME_MAX -> ERR_INVALID_ARG_VALUE", () => {
      const shm = new SharedMemory({ create: true, size: 16 });
      try {
        for (const name of [`${shm.name}\0a`, `/${shm.name}\0`, `a/${shm.name}`, `/x/y`, 'x'.repeat(256), 'é'.repeat(128), 'a\nb', '..']) {
          assert.throws(() => new SharedMemory({ name }), { code: 'ERR_INVALID_ARG_VALUE' }, JSON.stringify(name));
          assert.throws(() => new SharedMemory({ name, create: true, size: 8 }), { code: 'ERR_INVALID_ARG_VALUE' }, JSON.stringify(name));
        }
        // A leading '/' is allowed and names the same segment.
        const again = new SharedMemory({ name: `/${shm.name}` });
        assert.equal(again.name, shm.name);
        again.close();
      } finally {
        shm.close();
        shm.unlink();
      }
    });

    it('p.sentinel before start() throws ERR_PROCESS_NOT_STARTED; after, wait() takes it', async () => {
      const p = new Process({ target: t.longTimer, args: [0], context });
      assert.throws(() => p.sentinel, { code: 'ERR_PROCESS_NOT_STARTED' });
      p.start();
      assert.equal(p.sentinel, p);
      await within(30_000, p.join());
    });

    it("a context's getContext() with no argument is that context", () => {
      const ctx = getContext(context);
      assert.equal(ctx.getContext(), ctx);
      assert.equal(ctx.getContext().method, context);
      const other = context === 'thread' ? 'process' : 'thread';
      assert.equal(ctx.getContext(other).method, other);
    });

    it('Lock.locked() and RLock.locked(), seen from this process and from a child', async () => {
      for (const lock of [new Lock(), new RLock()]) {
        assert.equal(await lock.locked(), false);
        await lock.acquire();
        assert.equal(await lock.locked(), true);
        const [here, there] = Pipe();
        const p = new Process({ target: t.lockedFromChild, args: [lock, there], context });
        p.start();
        assert.equal(await within(30_000, here.recv()), true, 'the child sees it locked');
        await lock.release();
        assert.equal(await within(30_000, here.recv()), 'taken');
        assert.equal(await lock.locked(), true, 'held by the child');
        await here.send('go');
        assert.equal(await within(30_000, here.recv()), 'released');
        assert.equal(await lock.locked(), false);
        await within(30_000, p.join());
      }
    });

    it("Process.authKey and currentProcess().authKey: the program's key, inherited by the child", async () => {
      const key = currentProcess().authKey;
      assert.ok(Buffer.isBuffer(key) && key.length >= 32);
      const [here, there] = Pipe();
      const p = new Process({ target: t.sendAuthKeys, args: [there], context });
      assert.deepEqual(p.authKey, key);
      p.start();
      assert.deepEqual(await within(30_000, here.recv()), [key.toString('hex')]);
      await within(30_000, p.join());
    });

    it("ShareableList.format describes each slot as CPython's struct notation does", () => {
      const sl = new ShareableList<ShareableValue>([1.5, 2n, true, 'abc', null, Buffer.from('0123456789')]);
      try {
        assert.equal(sl.format, 'dqxxxxxxx?8sxxxxxx?x16s');
        sl.set(0, 'hey');
        assert.equal(sl.format.slice(0, 2), '8s');
      } finally {
        sl.shm.close();
        sl.shm.unlink();
      }
    });
  });

  describe(`Queue.shutdown (${context})`, () => {
    it('puts then reject with ShutDown; gets drain what is left, then reject; in a child too', async () => {
      const q = new Queue<number>();
      await q.put(1);
      await q.put(2);
      await q.shutdown();
      assert.ok((await rejection(q.put(3))) instanceof ShutDown);
      assert.equal(await q.get(), 1);
      assert.equal(await q.get(), 2);
      assert.ok((await rejection(q.get())) instanceof ShutDown);
      assert.ok((await rejection(q.get({ timeout: 10 }))) instanceof ShutDown);
      const seen: number[] = [];
      for await (const x of q.iter()) seen.push(x);
      assert.deepEqual(seen, []);
    });

    it('a child blocked in get() is released with ShutDown; one putting is refused', async () => {
      for (const maxsize of [0, 3]) {
        const q = new Queue<number>(maxsize);
        const ready = new Event();
        const [here, there] = Pipe();
        const getter = new Process({ target: t.getUntilShutDown, args: [q, ready, there], context });
        getter.start();
        await within(30_000, ready.wait());
        await q.put(7);
        await sleep(300);
        await q.shutdown();
        assert.deepEqual(await within(30_000, here.recv()), { got: [7], error: 'ShutDown', isShutDown: true });
        await within(30_000, getter.join());

        const ready2 = new Event();
        const [here2, there2] = Pipe();
        const q2 = new Queue<number>(maxsize);
        const putter = new Process({ target: t.putUntilShutDown, args: [q2, ready2, there2], context });
        putter.start();
        await within(30_000, ready2.wait());
        await sleep(100);
        await q2.shutdown(true);
        assert.deepEqual(await within(40_000, here2.recv()), { error: 'ShutDown', isShutDown: true });
        await within(30_000, putter.join());
      }
    });

    it('a process that never used the queue before its shutdown: its first put is refused, nothing lands', async () => {
      const q = new Queue<number>();
      await q.shutdown();
      const ready = new Event();
      const [here, there] = Pipe();
      const p = new Process({ target: t.putUntilShutDown, args: [q, ready, there], context });
      p.start();
      assert.deepEqual(await within(40_000, here.recv()), { error: 'ShutDown', isShutDown: true });
      await within(30_000, p.join());
      assert.equal(await q.qsize(), 0);
      assert.ok((await rejection(q.get())) instanceof ShutDown);
    });

    it('shutdown(true): items are dropped, gets reject at once, join() is released', async () => {
      const q = new JoinableQueue<number>();
      for (let i = 0; i < 5; i++) await q.put(i);
      assert.equal(await q.get(), 0);
      await q.shutdown(true);
      assert.ok((await rejection(q.get())) instanceof ShutDown);
      assert.equal(await q.qsize(), 0);
      await q.taskDone();
      await within(10_000, q.join());
      assert.throws(() => q.shutdown(1 as unknown as boolean), { code: 'ERR_INVALID_ARG_TYPE' });
    });
  });
}

for (const context of contexts) {
  describe(`manager containers and SharedMemoryManager (${context})`, () => {
    let m: SyncManager;
    before(async () => {
      m = await within(30_000, Manager({ context }));
    });
    after(async () => {
      await m?.shutdown();
    });

    it('list proxy: slicing, splice, count, index, remove, sort, reverse, extend, pop, insert', async () => {
      const l = await m.list([3, 1, 2, 1]);
      assert.deepEqual(await l.slice(1), [1, 2, 1]);
      assert.deepEqual(await l.slice(-2), [2, 1]);
      assert.deepEqual(await l.slice(null, null, -1), [1, 2, 1, 3]);
      assert.deepEqual(await l.slice(0, 4, 2), [3, 2]);
      assert.equal(await l.count(1), 2);
      assert.equal(await l.index(1), 1);
      assert.equal(await l.index(1, 2), 3);
      assert.equal((await rejection(l.index(9))).code, 'ERR_VALUE_NOT_FOUND');
      await l.remove(1);
      assert.deepEqual(await l.toArray(), [3, 2, 1]);
      assert.equal((await rejection(l.remove(9))).code, 'ERR_VALUE_NOT_FOUND');
      await l.extend([5, 4]);
      await l.sort();
      assert.deepEqual(await l.toArray(), [1, 2, 3, 4, 5]);
      await l.reverse();
      assert.deepEqual(await l.toArray(), [5, 4, 3, 2, 1]);
      assert.equal(await l.pop(), 1);
      assert.equal(await l.pop(0), 5);
      await l.insert(1, 9);
      assert.deepEqual(await l.splice(1, 1, 7, 8), [9]);
      assert.deepEqual(await l.toArray(), [4, 7, 8, 3, 2]);
      const words = await m.list(['b', 'a', 'c']);
      await words.sort({ reverse: true });
      assert.deepEqual(await words.toArray(), ['c', 'b', 'a']);
      const objs = await m.list([{ a: 1 }, { a: 1 }, { b: 2 }]);
      assert.equal(await objs.count({ a: 1 }), 2);
      assert.equal((await rejection(objs.sort())).code, 'ERR_INVALID_ARG_TYPE');
      const seen: number[] = [];
      for await (const x of l) seen.push(x);
      assert.deepEqual(seen, [4, 7, 8, 3, 2]);
    });

    it('dict proxy: keys/values/items, pop, popitem, setdefault, update, clear, async iteration', async () => {
      const d = await m.dict<string, number>({ a: 1 });
      await d.update([
        ['b', 2],
        ['c', 3],
      ]);
      assert.equal(await d.setdefault('a', 9), 1);
      assert.equal(await d.setdefault('z', 26), 26);
      assert.deepEqual(await d.keys(), ['a', 'b', 'c', 'z']);
      assert.deepEqual(await d.values(), [1, 2, 3, 26]);
      assert.deepEqual(await d.items(), [
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['z', 26],
      ]);
      assert.deepEqual(await d.popitem(), ['z', 26]);
      assert.equal(await d.pop('b'), 2);
      assert.equal(await d.pop('b', -1), -1);
      const pairs: [string, number][] = [];
      for await (const pair of d) pairs.push(pair);
      assert.deepEqual(pairs, [
        ['a', 1],
        ['c', 3],
      ]);
      await d.clear();
      assert.equal(await d.size(), 0);
      assert.equal((await rejection(d.popitem())).code, 'ERR_OUT_OF_RANGE');
    });

    it('manager.set(), manager.Value get()/set(), and the containers used from a child', async () => {
      const s = await m.set<string>(['parent', 'x', 'x']);
      assert.equal(await s.size(), 2);
      assert.equal(await s.has('x'), true);
      assert.equal(await s.discard('x'), true);
      assert.equal(await s.discard('x'), false);
      assert.equal((await rejection(s.remove('x'))).code, 'ERR_VALUE_NOT_FOUND');
      await s.update(['y']);
      const v = await m.Value('i', 5);
      assert.equal(await v.get(), 5);
      await v.set(6);
      assert.equal(await v.get(), 6);
      const l = await m.list([1, 3, 2]);
      const d = await m.dict<string, number>([['k', 1]]);
      const [here, there] = Pipe();
      const p = new Process({ target: t.useManagerContainers, args: [l, d, s, there], context });
      p.start();
      assert.deepEqual(await within(30_000, here.recv()), { seen: [3, 2, 1], slice: [2], pairs: [['k', 1]], has: true });
      await within(30_000, p.join());
      assert.deepEqual([...(await s.toSet())].sort(), ['child', 'parent', 'y']);
      const all: string[] = [];
      for await (const x of s) all.push(x);
      assert.equal(all.length, 3);
    });

    it('imap whose input throws at item k yields the k items before it, then rejects (documented difference)', async () => {
      function* input(): Generator<number> {
        yield 1;
        yield 2;
        yield 3;
        throw new RangeError('input failed at item 3');
      }
      const pool = new Pool({ processes: 2, context });
      try {
        for (const chunksize of [1, 2]) {
          const got: number[] = [];
          const it = pool.imap(t.double, input(), { chunksize });
          const err = await rejection(
            (async () => {
              for await (const x of it) got.push(x);
            })(),
          );
          assert.ok(err instanceof RangeError, `chunksize ${chunksize}: ${String(err)}`);
          assert.deepEqual(got, [2, 4, 6], `chunksize ${chunksize}`);
        }
      } finally {
        await pool.terminate();
      }
    });

    it('SharedMemoryManager: segments it made are readable elsewhere and freed at shutdown', async () => {
      const names: string[] = [];
      const pool = new Pool({ processes: 1, context });
      try {
        {
          await using smm = await SharedMemoryManager.started();
          const shm = smm.SharedMemory(64);
          const sl = smm.ShareableList([1, 'two', null]);
          names.push(shm.name, sl.shm.name);
          assert.deepEqual(await within(30_000, pool.apply(t.readShareable, [sl.shm.name])), [1, 'two', null]);
          for (const n of names) assert.ok(existsSync(`/dev/shm/${n}`) || context === 'thread', n);
          shm.close();
          sl.shm.close();
        }
        for (const n of names) assert.throws(() => new SharedMemory({ name: n }), { code: 'ERR_SHM_NOT_FOUND' });
        const smm = new SharedMemoryManager();
        assert.throws(() => smm.SharedMemory(8), { code: 'ERR_MANAGER_NOT_RUNNING' });
        await smm.start();
        await smm.shutdown();
        assert.throws(() => smm.ShareableList([1]), { code: 'ERR_MANAGER_NOT_RUNNING' });
      } finally {
        await pool.terminate();
      }
    });
  });
}
