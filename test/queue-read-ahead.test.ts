// A queue handle's read-ahead (items a fast consumer received in one answer, held at the hub as
// its lease) when one thread holds several handles of the same queue, and when an immediate
// shutdown meets items already handed to their takers. Both contexts where the scenario exists.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getContext, JoinableQueue, Queue, RawValue } from 'multiproc';
import * as t from './fixtures/read-ahead-targets.ts';
import { contexts, within, sleep } from './helpers.ts';

const N = 200;

for (const ctx of contexts) {
  describe(`queue read-ahead [${ctx}]`, () => {
    it('two handles of one queue in one worker: a recall reaches the one holding read-ahead items; nothing is lost or handed out twice', async () => {
      const mp = getContext(ctx);
      const q = new mp.Queue<number>();
      for (let i = 0; i < N; i++) await q.put(i);
      const pool = new mp.Pool(1);
      try {
        const first = await within(30_000, pool.apply(t.readFastAndKeep, [q, 20]), 'fast reader');
        const second = await within(30_000, pool.apply(t.readOne, [q]), 'second handle');
        // Everything else must reach this consumer: the worker's kept handle gives its read-ahead back.
        const mine: number[] = [];
        const want = N - first.length - 1;
        while (mine.length < want) {
          mine.push(await within(30_000, q.get({ timeout: 20_000 }), `item ${mine.length + 1} of ${want} (read-ahead never recalled?)`));
        }
        const kept = await within(30_000, pool.apply(t.keptNowait, []), 'kept handle');
        assert.equal(kept, 'empty', 'the kept handle still handed out an item it had given back');
        const all = [...first, second, ...mine].sort((a, b) => a - b);
        assert.deepEqual(
          all,
          Array.from({ length: N }, (_, i) => i),
          'every item exactly once',
        );
      } finally {
        await pool.terminate();
      }
    });
  });
}

describe('queue read-ahead [thread]: immediate shutdown', () => {
  it('JoinableQueue.shutdown(true) from another thread counts done only the items nobody took: taskDone for each taken item succeeds and join() resolves', async () => {
    const mp = getContext('thread');
    const q = new JoinableQueue<number>();
    for (let i = 0; i < N; i++) await q.put(i);
    const flag = RawValue('i', 0);
    const pool = new mp.Pool(1);
    try {
      const marked = pool.apply(t.readStallThenDone, [q, flag, 30]);
      const end = Date.now() + 30_000;
      while (flag.value !== 1) {
        assert.ok(Date.now() < end, 'the consumer never read its items');
        await sleep(10);
      }
      // The consumer's thread is stalled: its report of the items it handed out has not left.
      await within(20_000, q.shutdown(true), 'shutdown(true)');
      flag.value = 2;
      assert.equal(await within(30_000, marked, 'taskDone for every taken item'), 30);
      await within(20_000, q.join(), 'join() after an immediate shutdown and taskDone for the taken items');
    } finally {
      flag.value = 2;
      await pool.terminate();
    }
  });

  it('Queue.shutdown(true) in the reading thread drops its own read-ahead: join() resolves once its taken items are done', async () => {
    const q = new JoinableQueue<number>();
    for (let i = 0; i < N; i++) await q.put(i);
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await within(20_000, q.get({ timeout: 20_000 })));
    await within(20_000, q.shutdown(true));
    for (let i = 0; i < got.length; i++) await within(20_000, q.taskDone());
    await within(20_000, q.join(), 'join() after shutdown(true) in the reader');
    await assert.rejects(q.taskDone(), { code: 'ERR_TASK_DONE_TOO_MANY' });
  });
});
void Queue;
