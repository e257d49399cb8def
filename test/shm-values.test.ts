// Value, RawValue, SharedArray, RawArray: synchronous shared memory in both contexts, their
// locks (also when a holder dies), typecodes and bad input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as mp from 'multiproc';
import { Process, Pool, Value, RawValue, SharedArray, RawArray, Lock, RLock, Condition, getContext } from 'multiproc';
import * as f from './fixtures/shm-values.ts';
import { contexts, within, sleep } from './helpers.ts';

for (const context of contexts) {
  describe(`Value and SharedArray (${context})`, () => {
    it('4 workers x 2,000 increments under getLock(): the exact total', async () => {
      const counter = Value('i', 0);
      const ps = [0, 1, 2, 3].map(() => new Process({ target: f.increment, args: [counter, 2000], context }));
      for (const p of ps) p.start();
      for (const p of ps) await within(60_000, p.join());
      assert.equal(counter.value, 8000);
    });

    it('a RawValue written in a child is read here synchronously', async () => {
      const v = RawValue('d', 0);
      const p = new Process({ target: f.setRaw, args: [v, 2.5], context });
      p.start();
      await within(20_000, p.join());
      assert.equal(v.value, 2.5);
    });

    it('a SharedArray filled by a Pool', async () => {
      const a = SharedArray('i', 20);
      await using pool = new Pool({ processes: 2, context });
      await within(
        30_000,
        pool.starmap(
          f.fillSlot,
          Array.from({ length: 20 }, (_, i) => [a, i] as [typeof a, number]),
        ),
      );
      assert.deepEqual(
        a.toArray(),
        Array.from({ length: 20 }, (_, i) => i * i),
      );
    });

    it("a 'c' array written as bytes in a child", async () => {
      const a = RawArray('c', 16);
      const p = new Process({ target: f.writeBytes, args: [a, 'hello'], context });
      p.start();
      await within(20_000, p.join());
      assert.deepEqual(a.value, Buffer.from('hello'));
      assert.equal(a.raw.length, 16);
    });

    it('a holder that dies (killed process, terminated thread) frees the lock for the next acquirer', async () => {
      const counter = Value('i', 0);
      const ready = RawValue('i', 0);
      const p = new Process({ target: f.holdForever, args: [counter.getLock(), ready], context });
      p.start();
      const t0 = Date.now();
      while (ready.value === 0) {
        if (Date.now() - t0 > 20_000) assert.fail('the holder never took the lock');
        await sleep(10);
      }
      assert.equal(await counter.getLock().acquire({ block: false }), false);
      if (context === 'process') p.kill();
      else p.terminate();
      await within(20_000, p.join());
      assert.equal(await within(10_000, counter.getLock().acquire({ timeout: 5000 })), true);
      await counter.getLock().release();
    });

    it('getLock() is owned: another process or thread cannot release it (ERR_NOT_OWNER), and waits until it is released', async () => {
      const counter = Value('i', 0);
      const lock = counter.getLock();
      await using _held = await lock.enter();
      const p = new Process({ target: f.releaseAndTake, args: [counter.getLock(), counter], context });
      p.start();
      const t0 = Date.now();
      while (counter.value === 0) {
        if (Date.now() - t0 > 20_000) assert.fail('the child never tried to release');
        await sleep(10);
      }
      assert.equal(counter.value, 1, 'the child was refused with ERR_NOT_OWNER');
      await sleep(50);
      assert.equal(counter.value, 1, 'the child does not get the lock while it is held here');
      await _held.release();
      await within(20_000, p.join());
      assert.equal(counter.value, 2, 'the child took the lock once it was released here');
      assert.equal(p.exitCode, 0);
    });
  });
}

describe('Value and SharedArray in this program', () => {
  it('typecodes: zero-filled, ranges checked (no silent wrap), bigint for 64-bit', () => {
    assert.equal(Value('i').value, 0);
    assert.equal(Value('d', 1.25).value, 1.25);
    assert.equal(Value('q', 5n).value, 5n);
    assert.equal(Value('Q', 7).value, 7n);
    assert.deepEqual(Value('c').value, Buffer.of(0));
    const b = Value('b', 127);
    assert.throws(
      () => {
        b.value = 128;
      },
      { code: 'ERR_OUT_OF_RANGE' },
    );
    assert.equal(b.value, 127);
    assert.throws(() => Value('B', -1), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => Value('i', 1.5), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => Value('x' as 'i', 0), { code: 'ERR_INVALID_TYPECODE' });
    assert.throws(() => Value('q', 2 ** 60), { code: 'ERR_OUT_OF_RANGE' });
    const f32 = Value('f', 0.1);
    assert.equal(f32.value, Math.fround(0.1));
  });

  it('arrays: index, negative index, out of range, length, slice, iteration, init', () => {
    const a = SharedArray('h', [1, 2, 3, 4]);
    assert.equal(a.length, 4);
    assert.equal(a[0], 1);
    a[3] = -7;
    assert.deepEqual([...a], [1, 2, 3, -7]);
    assert.deepEqual(a.slice(1, 3), [2, 3]);
    assert.deepEqual(a.slice(-2), [3, -7]);
    assert.throws(() => a[4], { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(
      () => {
        a[10] = 1;
      },
      { code: 'ERR_OUT_OF_RANGE' },
    );
    assert.throws(
      () => {
        a[0] = 40000;
      },
      { code: 'ERR_OUT_OF_RANGE' },
    );
    assert.equal(a.view.length, 4);
    assert.deepEqual(RawArray('d', 3).toArray(), [0, 0, 0]);
    assert.deepEqual(SharedArray('c', 'abc').value, Buffer.from('abc'));
    assert.throws(() => RawArray('i', -1), { code: 'ERR_OUT_OF_RANGE' });
  });

  it('lock option: false gives a raw object, an existing lock is used as is', async () => {
    const raw = Value('i', 0, { lock: false });
    assert.equal('getLock' in raw, false);
    const lock = new Lock();
    const v = Value('i', 0, { lock });
    assert.equal(v.getLock() as unknown, lock);
    const arr = SharedArray('i', 2, { lock: false });
    assert.equal('getLock' in arr, false);
    const s = SharedArray('i', 2);
    assert.equal(s.getObj().length, 2);
    // The default lock is re-entrant (CPython's RLock), and checks its owner.
    const own = Value('i', 0).getLock();
    assert.equal(await own.acquire(), true);
    assert.equal(await own.acquire({ block: false }), true);
    await own.release();
    await own.release();
    await assert.rejects(own.release(), { code: 'ERR_RELEASE_UNLOCKED' });
  });

  it("getLock() is the library's RLock (ShmLock is gone): await using, acquire/release, its errors", async () => {
    assert.equal('ShmLock' in mp, false);
    const v = Value('d', 0);
    const a = SharedArray('i', 3);
    assert.ok(v.getLock() instanceof RLock);
    assert.ok(a.getLock() instanceof RLock);
    {
      await using _held = await v.getLock().enter();
      assert.equal(await v.getLock().locked(), true);
      assert.equal(v.getLock().tryAcquire(), true, 're-entrant for its owner');
      v.getLock().releaseSync();
    }
    assert.equal(await v.getLock().locked(), false);
    assert.throws(() => a.getLock().releaseSync(), { code: 'ERR_RELEASE_UNLOCKED' });
    // Its waiters sleep on its words, never at a hub: a Condition cannot be built over it.
    assert.throws(() => new Condition(v.getLock()), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('getContext exposes the factories', () => {
    assert.equal(getContext('thread').Value('i', 3).value, 3);
  });
});
