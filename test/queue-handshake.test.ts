// Queue reads are not stale after a handshake (issue 11.3): an awaited put() or get() is seen
// by qsize()/empty()/full() of any process that learns of it afterwards, by any path — here an
// Event in shared memory, which overtakes the queue's own messages. The race was intermittent,
// so each case runs many rounds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Event, Pipe, Process, Queue } from 'multiproc';
import { getOrPutThenSet, putThenSet } from './fixtures/queue-handshake.ts';
import { contexts, within } from './helpers.ts';

const ROUNDS = 30;

for (const context of contexts) {
  describe(`Queue after a handshake (${context})`, () => {
    it('a child gets every item, then sets an Event: empty() is true and qsize() 0 here; a child puts, then sets it: they are counted', async () => {
      const q = new Queue<number>(),
        done = new Event();
      const [orders, theirs] = Pipe<['get' | 'put', number] | null>();
      const p = new Process({ target: getOrPutThenSet, args: [q, theirs, done], context });
      p.start();
      try {
        for (let round = 0; round < ROUNDS; round++) {
          // Enough items that the child reads ahead in batches (its reports of what it took lag).
          const n = 50 + (round % 5) * 100;
          for (let i = 0; i < n; i++) await q.put(i);
          await done.clear();
          await orders.send(['get', n]);
          assert.equal(await within(30_000, done.wait()), true);
          assert.equal(await q.empty(), true, `round ${round}: empty() was false after the child took all ${n} items`);
          assert.equal(await q.qsize(), 0, `round ${round}: qsize() counted items already taken`);

          await done.clear();
          await orders.send(['put', n]);
          assert.equal(await within(30_000, done.wait()), true);
          assert.equal(await q.empty(), false, `round ${round}: empty() was true after the child put ${n} items`);
          assert.equal(await q.qsize(), n, `round ${round}: qsize() missed items already put`);
          for (let i = 0; i < n; i++) await within(30_000, q.get());
        }
      } finally {
        await orders.send(null);
        await within(30_000, p.join());
      }
      assert.equal(p.exitCode, 0);
    });

    it('a new child whose first act is put (its hub link still connecting): the items are counted once it set the Event', async () => {
      for (let round = 0; round < 4; round++) {
        const q = new Queue<number>(),
          done = new Event();
        const p = new Process({ target: putThenSet, args: [q, 3, done], context });
        p.start();
        assert.equal(await within(30_000, done.wait()), true);
        assert.equal(await q.qsize(), 3, `round ${round}: qsize() missed puts of a newly connected child`);
        await within(30_000, p.join());
      }
    });
  });
}
