// The channel writes the envelope of simple messages by hand (channel/envelope.ts) instead of
// through msgpackr. The peer reads both with msgpackr, so the bytes must be exactly msgpackr's
// and everything the hand writer does not cover must be left to msgpackr (null).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Packr, frameSimple } from '../dist/esm/internal.js';

const envelope = new Packr({ useRecords: false, structuredClone: false });
const alloc = (n: number) => Buffer.allocUnsafe(n);

const simple = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.constantFrom(0, 127, 128, 255, 256, 0xffff, 0x10000, 0xffffffff, null, true, false),
  fc.string({ maxLength: 31 }).filter((s) => [...s].every((c) => c.charCodeAt(0) < 0x80)),
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom(new Uint8Array(0xffff), new Uint8Array(0x10000), Buffer.from('abc')),
);

describe('channel envelope', () => {
  test('simple messages are framed byte for byte as msgpackr packs them', () => {
    fc.assert(
      fc.property(fc.array(simple, { maxLength: 15 }), (msg) => {
        const framed = frameSimple(msg, alloc);
        assert.ok(framed, 'a simple message is framed');
        const packed = envelope.pack(msg);
        assert.equal(Buffer.from(framed).readUInt32LE(0), framed.length - 4);
        assert.deepEqual(Buffer.from(framed.subarray(4)), Buffer.from(packed));
        assert.deepEqual(envelope.unpack(framed.subarray(4)), envelope.unpack(packed));
      }),
      { numRuns: 2000 },
    );
  });

  test('anything else is left to msgpackr', () => {
    for (const v of [1.5, -1, 2 ** 32, NaN, 'é', 'x'.repeat(32), undefined, {}, [1], new Uint16Array(2), 10n]) {
      assert.equal(frameSimple([1, v], alloc), null, `left to msgpackr: ${String(v)}`);
    }
    assert.equal(frameSimple(new Array(16).fill(0), alloc), null, 'more than 15 fields');
  });
});
