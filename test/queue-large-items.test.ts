// Large Buffers through a Queue travel framed in place (src/hub/raw-frames.ts): their bytes
// are the codec's, in order with small items, intact when the producer reuses its Buffer, and
// a Buffer arrives as a Buffer. Both contexts, unbounded, bounded and joinable queues.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getContext } from 'multiproc';
import { encode, decode } from '../src/codec/codec.ts';
import { rawBufferBytes, RAW_MIN_BYTES } from '../src/hub/raw-frames.ts';
import { itemAt, manyAt, putMany, putMixed } from './fixtures/large-items.ts';
import { contexts, within } from './helpers.ts';

describe('queue large items: bytes', () => {
  it('a large Buffer becomes exactly the bytes encode() makes of it, and decodes as a Buffer', () => {
    for (const n of [RAW_MIN_BYTES, 65_535, 65_536, 70_001, 300_000]) {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = (i * 7) & 0xff;
      const raw = rawBufferBytes(b);
      assert.ok(raw, `size ${n}`);
      assert.deepEqual(Buffer.from(raw), Buffer.from(encode(b)), `size ${n}`);
      const back = decode(raw) as Buffer;
      assert.ok(Buffer.isBuffer(back));
      assert.ok(back.equals(b));
    }
  });
  it('small Buffers, plain Uint8Arrays and other values go through the codec', () => {
    assert.equal(rawBufferBytes(Buffer.alloc(RAW_MIN_BYTES - 1)), null);
    assert.equal(rawBufferBytes(new Uint8Array(RAW_MIN_BYTES * 2)), null);
    assert.equal(rawBufferBytes('x'.repeat(RAW_MIN_BYTES * 2)), null);
    class Sub extends Buffer {}
    assert.equal(rawBufferBytes(Object.setPrototypeOf(Buffer.alloc(RAW_MIN_BYTES), Sub.prototype)), null);
  });
});

const N = 90;
const SIZE = 65_536;

for (const ctx of contexts) {
  describe(`queue large items [${ctx}]`, () => {
    // A socket link copies such items into blocks it reuses once their bytes are written
    // (HubLink.notePutBuffer): 8 MiB with a reader that starts late fills and recycles blocks
    // while writes still wait; a block reused too early would change items on their way.
    it('Queue: 128 Buffers of 64 KiB, the reader starting late, arrive intact', async () => {
      const mp = getContext(ctx);
      const q = new mp.Queue<unknown>();
      const pool = new mp.Pool(1);
      try {
        const done = pool.apply(putMany, [q, 128, 65_536]);
        await new Promise((r) => setTimeout(r, 300));
        for (let i = 0; i < 128; i++) {
          const got = await within(30_000, q.get(), `item ${i}`);
          assert.ok(Buffer.isBuffer(got) && got.equals(manyAt(i, 65_536)), `item ${i} changed on the way`);
        }
        assert.equal(await within(30_000, done, 'producer'), 128);
      } finally {
        await pool.terminate();
      }
    });

    for (const kind of ['Queue', 'bounded Queue', 'JoinableQueue'] as const) {
      it(`${kind}: a child puts Buffers of 64 KiB+ between small items; all arrive in order, intact, as Buffers`, async () => {
        const mp = getContext(ctx);
        const q = kind === 'JoinableQueue' ? new mp.JoinableQueue<unknown>() : new mp.Queue<unknown>(kind === 'bounded Queue' ? 4 : 0);
        const pool = new mp.Pool(1);
        try {
          const done = pool.apply(putMixed, [q, N, SIZE]);
          for (let i = 0; i < N; i++) {
            const got = await within(30_000, q.get(), `item ${i}`);
            const want = itemAt(i, SIZE);
            if (Buffer.isBuffer(want)) {
              assert.ok(Buffer.isBuffer(got), `item ${i} arrived as ${Object.prototype.toString.call(got)}`);
              assert.ok((got as Buffer).equals(want), `item ${i} changed on the way`);
            } else assert.equal(got, want);
            if (kind === 'JoinableQueue') await (q as InstanceType<typeof mp.JoinableQueue>).taskDone();
          }
          assert.equal(await within(30_000, done, 'producer'), N);
          if (kind === 'JoinableQueue') await within(30_000, (q as InstanceType<typeof mp.JoinableQueue>).join(), 'join()');
          assert.equal(await q.empty(), true);
        } finally {
          await pool.terminate();
        }
      });
    }
  });
}
