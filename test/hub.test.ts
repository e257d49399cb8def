// The hub mechanism itself: references that travel anywhere (nested values, inside queues,
// pipe ends inside queues), hubs started by children, and hubs that go away.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Process, Pipe, Queue, Lock, Event, Pool, Manager, type Connection } from 'multiproc';
import * as f from './fixtures/shared.ts';
import { putHello } from './fixtures/plain-targets.ts';
import { contexts, within, rejection } from './helpers.ts';

for (const context of contexts) {
  describe(`hub (${context})`, () => {
    it('shared objects travel nested in arguments and inside queue items', async () => {
      const q = new Queue<number>();
      const p = new Process({ target: f.nestedArgs, args: [{ items: new Map([['q', q]]) }], context });
      p.start();
      assert.equal(await within(20_000, q.get()), 42);
      await within(20_000, p.join());

      const carrier = new Queue<Queue<string>>(),
        reply = new Queue<string>();
      const p2 = new Process({ target: f.answerOnInnerQueue, args: [carrier], context, name: 'Answerer' });
      p2.start();
      await carrier.put(reply);
      assert.equal(await within(20_000, reply.get()), 'hello from Answerer');
      await within(20_000, p2.join());
    });

    it('reaches a target whose module never imports the library', async () => {
      const q = new Queue<string>();
      const p = new Process({ target: putHello, args: [q], context });
      p.start();
      assert.equal(await within(20_000, q.get()), 'hello without an import');
      await within(20_000, p.join());
    });

    it('a pipe end put in a queue reaches the consumer', async () => {
      const q = new Queue<Connection<string>>();
      const [mine, theirs] = Pipe<string>();
      const p = new Process({ target: f.answerOnPipeFromQueue, args: [q], context, name: 'PipeUser' });
      p.start();
      await q.put(theirs);
      assert.equal(await within(20_000, mine.recv()), 'pipe via queue from PipeUser');
      await within(20_000, p.join());
    });

    it('a child can create shared objects of its own and hand them on (its own hub)', async () => {
      const out = new Queue<string>();
      const p = new Process({ target: f.nestedHub, args: [out, context], context });
      p.start();
      assert.match(await within(30_000, out.get()), /^grandchild /);
      await within(30_000, p.join());
      assert.equal(p.exitCode, 0);
    });

    it('a Lock acquired here may be released by a child (as in CPython)', async () => {
      const lock = new Lock();
      assert.equal(await lock.acquire(), true);
      const p = new Process({ target: f.releaseOther, args: [lock], context });
      p.start();
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0);
      assert.equal(await lock.acquire({ block: false }), true);
    });

    it('an Event is shared by Pool tasks', async () => {
      const ev = new Event(),
        out = new Queue<string>();
      await using pool = new Pool({ processes: 2, context });
      const waits = pool.starmap(f.waitEvent, [
        [ev, out],
        [ev, out],
      ]);
      await ev.set();
      await within(20_000, waits);
      // Each task's put leaves in the background, like CPython's: read the items, not qsize().
      assert.match(await within(20_000, out.get()), /^woke /);
      assert.match(await within(20_000, out.get()), /^woke /);
    });
  });
}

describe('hub lifetime', () => {
  it('a daemon (a Pool worker) cannot start a manager server: ERR_DAEMON_CHILDREN', async () => {
    await using pool = new Pool(1);
    assert.equal(await within(20_000, pool.apply(f.managerInTask, [])), 'ERR_DAEMON_CHILDREN');
  });

  it('a manager that goes away rejects pending and later calls with ERR_HUB_CLOSED', async () => {
    const m = await Manager();
    const q = await m.Queue<number>();
    const pending = rejection(q.get());
    await m.shutdown();
    assert.equal((await pending).code, 'ERR_HUB_CLOSED');
    assert.equal((await rejection(q.get())).code, 'ERR_HUB_CLOSED');
    await m.shutdown();
  });
});
