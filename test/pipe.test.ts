// Pipe and Connection between the parent and children and between two children, in both contexts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Process, Pipe, Pool, wait, EOFError, BufferTooShort } from 'multiproc';
import * as t from './fixtures/tasks.ts';
import { contexts, within, rejection } from './helpers.ts';

for (const context of contexts) {
  describe(`Pipe (${context})`, () => {
    it('keeps message boundaries and value types both ways', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.echoConn, args: [b], context });
      p.start();
      const values = [0, 'x', [1, [2, 3]], new Map([[0.25, '2']]), new Set([1n]), new Date(0), Buffer.from('buf'), undefined, null, { deep: { a: [true] } }];
      for (const v of values) await a.send(v);
      for (const v of values) assert.deepEqual(await within(20_000, a.recv()), v);
      a.close();
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0);
    });

    it('carries 0-byte and 64 MiB byte messages', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.echoBytes, args: [b], context });
      p.start();
      await a.sendBytes(Buffer.alloc(0));
      assert.equal((await within(20_000, a.recvBytes())).length, 0);
      const big = Buffer.alloc(64 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
      await a.sendBytes(big);
      const back = await within(60_000, a.recvBytes());
      assert.equal(back.length, big.length);
      assert.ok(back.equals(big));
      await a.sendBytes(Buffer.from('0123456789'), 2, 3);
      assert.equal((await a.recvBytes()).toString(), '234');
      a.close();
      await within(20_000, p.join());
    });

    it('EOFError once the peer closed and everything was read', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.sendHello, args: [b], context });
      p.start();
      assert.deepEqual(await within(20_000, a.recv()), [42, null, 'hello']);
      assert.ok((await rejection(a.recv())) instanceof EOFError);
      await p.join();
    });

    it('EOFError when the process holding the other end dies without closing it', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.holdForever, args: [b], context });
      p.start();
      const pending = rejection(a.recv());
      await new Promise((r) => setTimeout(r, 300));
      p.kill();
      assert.ok((await pending) instanceof EOFError);
      await within(20_000, p.join());
      assert.equal(p.exitCode, -9);
    });

    it('works between two children', async () => {
      const [left, right] = Pipe();
      const [toParent, fromChild] = Pipe();
      const writer = new Process({ target: t.sendTo, args: [left, { from: 'writer' }], context });
      const reader = new Process({ target: t.relay, args: [right, fromChild], context });
      reader.start();
      writer.start();
      assert.deepEqual(await within(20_000, toParent.recv()), ['relayed', { from: 'writer' }]);
      await within(20_000, Promise.all([writer.join(), reader.join()]));
    });

    it('one-way pipes refuse the wrong direction; a moved end cannot be used here', async () => {
      const [reader, writer] = Pipe(false);
      assert.equal(reader.writable, false);
      assert.equal(writer.readable, false);
      assert.throws(() => reader.send(1), { code: 'ERR_CONNECTION_READ_ONLY' });
      assert.throws(() => writer.recv(), { code: 'ERR_CONNECTION_WRITE_ONLY' });
      const p = new Process({ target: t.sendTo, args: [writer, 'one way'], context });
      p.start();
      assert.equal(await within(20_000, reader.recv()), 'one way');
      assert.throws(() => writer.send(2), { code: 'ERR_CONNECTION_MOVED' });
      writer.close();
      await p.join();
    });

    it('a receive waiting on an end that moves to another process rejects with ERR_CONNECTION_MOVED', async () => {
      const [a, b] = Pipe();
      const waiting = rejection(b.recv());
      const polled = b.poll(5000);
      const p = new Process({ target: t.echoConn, args: [b], context });
      p.start();
      assert.equal((await waiting).code, 'ERR_CONNECTION_MOVED');
      assert.equal(await polled, false);
      await a.send('still works');
      assert.equal(await within(20_000, a.recv()), 'still works');
      a.close();
      await within(20_000, p.join());
    });

    it('an end inside a Pool task that never runs closes: the peer gets EOF', async () => {
      const pool = new Pool({ processes: 1, context });
      try {
        const [a, b] = Pipe();
        const ac = new AbortController();
        const blocker = pool.apply(t.sleepMs, [300]);
        const never = rejection(pool.apply(t.sendTo, [b, 'x'], { signal: ac.signal }));
        ac.abort(new Error('not needed'));
        assert.equal((await never).message, 'not needed');
        assert.ok((await rejection(a.recv())) instanceof EOFError);
        await blocker;
      } finally {
        await pool.terminate();
      }
    });

    it('refuses unsendable values at send(), nothing half-sent', async () => {
      const [a, b] = Pipe();
      assert.throws(() => a.send({ f: () => 1 }), { code: 'ERR_NOT_TRANSFERABLE', message: /obj\.f/ });
      assert.equal(await b.poll(), false);
      a.close();
      b.close();
    });

    it('recvBytesInto, BufferTooShort, poll and wait', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.echoBytes, args: [b], context });
      p.start();
      assert.equal(await a.poll(), false);
      await a.sendBytes(Buffer.from('hello world'));
      assert.equal(await within(20_000, a.poll(20_000)), true);
      const [ready] = await wait([a], 1000);
      assert.equal(ready, a);
      const small = Buffer.alloc(4);
      const e = await rejection(a.recvBytesInto(small));
      assert.ok(e instanceof BufferTooShort);
      assert.equal((e as unknown as BufferTooShort).data.toString(), 'hello world');
      await a.sendBytes(Buffer.from('abc'));
      const into = Buffer.alloc(8);
      assert.equal(await within(20_000, a.recvBytesInto(into, 2)), 3);
      assert.equal(into.subarray(2, 5).toString(), 'abc');
      assert.deepEqual(await wait([a], 50), []);
      a.close();
      await within(20_000, p.join());
    });
  });
}
