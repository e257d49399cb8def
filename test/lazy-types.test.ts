// Workers load the proxy classes (Queue, Lock, Value...) on the first message carrying one,
// not at start (entry/bootstrap.ts, codec.ts): tasks from a module that never imports the
// library still get every shared object revived, as the first message and after plain ones.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, Process, Queue, Lock, Value, Pipe } from 'multiproc';
import * as f from './fixtures/lazy-types.mjs';
import { contexts, within } from './helpers.ts';

for (const context of contexts) {
  describe(`shared types load on demand (${context})`, () => {
    it('a Queue as the first task argument a worker ever sees', async () => {
      await using pool = new Pool({ processes: 1, context });
      const q = new Queue<string>();
      assert.equal(await within(20_000, pool.apply(f.putInto, [q, 'first'])), 'put');
      assert.equal(await within(20_000, q.get()), 'first');
    });

    it('a Lock and a Value after plain tasks, and again', async () => {
      await using pool = new Pool({ processes: 1, context });
      assert.equal(await within(20_000, pool.apply(f.double, [21])), 42);
      const lock = new Lock();
      const v = Value('i', 7);
      assert.equal(await within(20_000, pool.apply(f.lockAndRead, [lock, v])), 7);
      v.value = 8;
      assert.equal(await within(20_000, pool.apply(f.lockAndRead, [lock, v])), 8);
    });

    it('a Process child receives a Value over the Connection it was given', async () => {
      const [mine, theirs] = Pipe();
      const p = new Process({ target: f.readOverPipe, args: [theirs], context });
      p.start();
      const v = Value('d', 2.5);
      await mine.send(v);
      assert.equal(await within(20_000, mine.recv()), 3.5);
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0);
    });
  });
}
