// The pipeline depth follows the measured task time: once tasks have shown they take tens of ms,
// a worker gets one at a time (FIFO over the shared queue, as CPython), so a short task never
// waits behind a long one on a busy worker while another worker is free. (A regression once
// measured every task's time as ~0, so any warmed-up pool sent 32 tasks ahead to each worker.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'multiproc';
import { slowSquare } from './fixtures/tasks.ts';
import { contexts, within } from './helpers.ts';

for (const context of contexts) {
  describe(`Pool balance (${context})`, () => {
    it('after tasks of 50 ms, short tasks run on the free worker, not queued behind a long one', async () => {
      const pool = new Pool({ processes: 2, context });
      try {
        // Warm-up: 20 tasks of 50 ms teach the pool what a task costs.
        await within(
          120_000,
          pool.map((x: number) => x, [0, 1]),
        ); // both workers up
        await within(120_000, Promise.all(Array.from({ length: 20 }, (_, i) => pool.apply(slowSquare, [i, 50]))));
        const order: string[] = [];
        const long = pool.apply(slowSquare, [1, 8000]).then(() => order.push('long'));
        const shorts = Array.from({ length: 10 }, (_, i) => pool.apply(slowSquare, [i, 20]).then(() => order.push(`short${i}`)));
        await within(180_000, Promise.all([long, ...shorts]));
        // 10 x 20 ms on the free worker end long before the 8 s task; sent ahead behind it, some
        // would end after it.
        assert.equal(order.at(-1), 'long', order.join(' '));
      } finally {
        await pool.terminate();
      }
    });
  });
}
