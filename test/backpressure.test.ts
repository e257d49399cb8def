// Backpressure (issue 16.5): an awaited send/sendBytes/put waits while its channel's outgoing
// bytes are past a high-water mark, so a producer streaming as fast as it can keeps its memory
// bounded and lets its bytes out while it runs: the consumer sees items during the stream,
// not all at the end. (Before: 0 of 580 1-MiB messages arrived during a 2 s stream and the
// producer grew past 400 MB.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pipe, Process, Queue } from 'multiproc';
import { streamBytes, streamPuts, type StreamReport } from './fixtures/streaming.ts';
import { contexts, sleep, within } from './helpers.ts';

const STREAM_MS = 2500;
/** Generous: the producer holds at most a few MiB in flight, plus what the runtime keeps. */
const MAX_GROWTH_MB = 200;

for (const context of contexts) {
  describe(`backpressure (${context})`, () => {
    it('a child streaming 1 MiB sendBytes: the parent receives during the stream; the child stays bounded', async () => {
      const [mine, theirs] = Pipe();
      const p = new Process({ target: streamBytes, args: [theirs, STREAM_MS], context });
      p.start();
      const arrivals: number[] = [];
      let report: StreamReport | undefined;
      await within(
        120_000,
        (async () => {
          for (;;) {
            const bytes = await mine.recvBytes();
            if (bytes.length !== 1024 * 1024) {
              report = (await import('../dist/esm/internal.js')).decode(bytes) as StreamReport;
              break;
            }
            arrivals.push(Date.now());
            // A consumer slower than the producer: without backpressure the backlog piles up in the producer.
            await sleep(5);
          }
        })(),
        'the stream',
      );
      assert.ok(report, 'no report');
      await within(30_000, p.join());
      const during = arrivals.filter((t) => t < report!.endedAt).length;
      assert.ok(during >= Math.min(10, report!.sent / 2), `only ${during} of ${report!.sent} messages arrived while the child streamed`);
      assert.equal(arrivals.length, report!.sent, 'every message arrived');
      const growth = context === 'process' ? report!.rssGrowthMb : report!.heapGrowthMb;
      assert.ok(growth < MAX_GROWTH_MB, `the producer grew by ${growth.toFixed(0)} MB while streaming ${report!.sent} MiB`);
    });

    it('a child streaming puts into a Queue: the parent gets items during the stream; the child stays bounded', async () => {
      const q = new Queue<string | StreamReport>();
      const p = new Process({ target: streamPuts, args: [q, STREAM_MS], context });
      p.start();
      const arrivals: number[] = [];
      let report: StreamReport | undefined;
      await within(
        120_000,
        (async () => {
          for (;;) {
            const item = await q.get();
            if (typeof item !== 'string') {
              report = item;
              break;
            }
            arrivals.push(Date.now());
          }
        })(),
        'the stream',
      );
      await within(30_000, p.join());
      const during = arrivals.filter((t) => t < report!.endedAt).length;
      assert.ok(during >= report!.sent / 10, `only ${during} of ${report!.sent} items arrived while the child put them`);
      assert.equal(arrivals.length, report!.sent, 'every item arrived');
      const growth = context === 'process' ? report!.rssGrowthMb : report!.heapGrowthMb;
      assert.ok(growth < MAX_GROWTH_MB, `the producer grew by ${growth.toFixed(0)} MB while putting ${report!.sent} items`);
    });
  });
}
