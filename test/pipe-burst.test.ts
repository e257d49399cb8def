// Every message a child sent before it ended arrives, in order, before EOF: also from a
// grandchild, and in the thread context, where a Pipe's messages take the thread's route port
// (connection/route-port.ts) and its death comes by the channel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pipe, Process, EOFError, RawValue } from 'multiproc';
import * as t from './fixtures/pipe-burst.ts';
import { contexts, within, rejection } from './helpers.ts';

const N = 3000;

async function readAll(conn: ReturnType<typeof Pipe>[0]): Promise<number[]> {
  const got: number[] = [];
  for (;;) {
    try {
      got.push((await within(30_000, conn.recv())) as number);
    } catch (e) {
      assert.ok(e instanceof EOFError, `expected EOFError, got ${String(e)}`);
      return got;
    }
  }
}

const inOrder = (n: number) => Array.from({ length: n }, (_, i) => i);

for (const context of contexts) {
  describe(`Pipe burst before the sender ends (${context})`, () => {
    it('a child that exits at once after a burst: all of it, in order, then EOF', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.burstThenExit, args: [b, N], context });
      p.start();
      await within(30_000, p.join());
      assert.deepEqual(await readAll(a), inOrder(N));
      assert.ok((await rejection(a.recv())) instanceof EOFError);
    });

    it('a child that returns after a burst without closing: all of it, then EOF', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.burstThenReturn, args: [b, N], context });
      p.start();
      assert.deepEqual(await readAll(a), inOrder(N));
      await within(30_000, p.join());
      assert.equal(p.exitCode, 0);
    });

    it('a grandchild that exits at once after a burst: all of it, in order, then EOF', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.burstFromGrandchild, args: [b, N, context], context });
      p.start();
      assert.deepEqual(await readAll(a), inOrder(N));
      await within(30_000, p.join());
      assert.equal(p.exitCode, 0);
    });

    it('shared memory made after the child started reaches it through the pipe', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.setReceived, args: [b], context });
      p.start();
      for (let i = 0; i < 3; i++) {
        const v = RawValue('d', 0);
        await a.send(v);
        assert.equal(await within(30_000, a.recv()), 'set');
        assert.equal(v.value, 42);
      }
      a.close();
      await within(30_000, p.join());
      assert.equal(p.exitCode, 0);
    });
  });
}
