// map() over numbers takes a path of its own (codec/numbers.ts: chunks written from the input,
// typed arrays in the worker and back): the values must come back exactly as the general
// codec brings them, for ints, floats, -0, NaN, mixed results, throwing and async items.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'multiproc';
import { NumberCollector, packNumbers, readNumbers, numberWidth } from '../src/codec/numbers.ts';
import { decode, encode } from '../src/codec/codec.ts';
import { runItems } from '../src/pool/chunk-run.ts';
import { contexts, within } from './helpers.ts';

describe('number arrays (codec/numbers.ts)', () => {
  it('packNumbers makes bytes decode() reads, and readNumbers reads what encode() makes', () => {
    const ints = Array.from({ length: 40 }, (_, i) => i * 3 - 50);
    const floats = ints.map((x) => x / 4);
    floats[5] = NaN;
    floats[6] = Infinity;
    assert.equal(numberWidth(ints), 4);
    assert.equal(numberWidth(floats), 8);
    assert.equal(numberWidth([1, -0, 2]), 0);
    assert.equal(numberWidth([1, 'a']), 0);
    assert.deepEqual(decode(packNumbers(ints, 3, 30, 4)), ints.slice(3, 30));
    assert.deepEqual(decode(packNumbers(floats, 0, 40, 8)), floats);
    assert.deepEqual(Array.from(readNumbers(packNumbers(ints, 0, 40, 4))!), ints);
    // encode() writes ext32 from 64 KiB on (ext8/ext16 below: readNumbers leaves those to decode()).
    const many = Array.from({ length: 10_000 }, (_, i) => i / 8);
    assert.deepEqual(Array.from(readNumbers(encode(many))!), many);
    assert.equal(readNumbers(encode([1, 2, 3])), null);
    assert.equal(readNumbers(encode('x')), null);
    const bad = Buffer.from(packNumbers(ints, 0, 40, 4));
    bad[4] = (bad[4]! + 1) & 0xff;
    assert.equal(readNumbers(bad), null);
  });

  it('NumberCollector keeps ints, then floats, then anything, in order', () => {
    const c = new NumberCollector(20);
    for (let i = 0; i < 5; i++) c.push(i);
    assert.ok(c.numbers instanceof Int32Array);
    c.push(0.5);
    c.push(-0);
    assert.ok(c.numbers instanceof Float64Array);
    c.push('s');
    assert.equal(c.numbers, null);
    const out = c.toArray();
    assert.deepEqual(out, [0, 1, 2, 3, 4, 0.5, -0, 's']);
    assert.ok(Object.is(out[6], -0));
  });

  it("a collector's numbers are framed in place, and aligned bytes are read where they are", () => {
    const c = new NumberCollector(20);
    for (let i = 0; i < 20; i++) c.push(i * 7);
    const ints = c.numbers!;
    const bytes = packNumbers(ints, 0, ints.length, 4);
    assert.equal(bytes.buffer, ints.buffer);
    assert.deepEqual(
      decode(bytes),
      Array.from({ length: 20 }, (_, i) => i * 7),
    );
    const f = new NumberCollector(20);
    for (let i = 0; i < 20; i++) f.push(i / 2);
    assert.deepEqual(
      decode(packNumbers(f.numbers!, 0, 20, 8)),
      Array.from({ length: 20 }, (_, i) => i / 2),
    );
    // Part of a collector's numbers, or numbers of another typed array: copied.
    assert.deepEqual(decode(packNumbers(ints, 2, 19, 4)), Array.from(ints.subarray(2, 19)));
    assert.notEqual(packNumbers(ints.slice(), 0, 20, 4).buffer, ints.buffer);
    const aligned = readNumbers(bytes)!;
    assert.equal(aligned.buffer, bytes.buffer);
    const shifted = Buffer.alloc(bytes.length + 2);
    shifted.set(bytes, 2);
    const copy = readNumbers(shifted.subarray(2))!;
    assert.notEqual(copy.buffer, shifted.buffer);
    assert.deepEqual(Array.from(copy), Array.from(ints));
  });

  it('runItems over typed input: ints, a throw, a float, a promise and a string keep their places', () => {
    const input = Int32Array.from({ length: 40 }, (_, i) => i);
    const out = new NumberCollector(40);
    const errors: [number, unknown][] = [];
    const p = Promise.resolve(99);
    const fn = (x: unknown): unknown => {
      const n = x as number;
      if (n === 3) throw new Error('three');
      return n === 5 ? 5.5 : n === 9 ? p : n === 12 ? 'twelve' : n * 2;
    };
    const stop = runItems(fn, input, false, 0, out, errors);
    assert.equal(stop.at, 9);
    assert.equal(stop.pending, p);
    out.push(99);
    assert.equal(runItems(fn, input, false, 10, out, errors).pending, undefined);
    const r = out.toArray();
    assert.equal(r.length, 40);
    assert.deepEqual(r.slice(0, 14), [0, 2, 4, undefined, 8, 5.5, 12, 14, 16, 99, 20, 22, 'twelve', 26]);
    assert.equal(r[39], 78);
    assert.deepEqual(
      errors.map(([i, e]) => [i, (e as Error).message]),
      [[3, 'three']],
    );
    const plain = new NumberCollector(40);
    assert.equal(runItems((x) => (x as number) + 1, input, false, 0, plain, []).pending, undefined);
    assert.ok(plain.numbers instanceof Int32Array);
    assert.equal(plain.numbers[39], 40);
  });
});

for (const context of contexts) {
  describe(`Pool map over numbers (${context})`, () => {
    const pool = new Pool({ processes: 2, context });
    after(() => pool.terminate());
    const xs = Array.from({ length: 1000 }, (_, i) => i);

    it('ints, floats, special values and large inputs come back as they went', async () => {
      assert.deepEqual(
        await within(
          20_000,
          pool.map((x: number) => x * 2, xs),
        ),
        xs.map((x) => x * 2),
      );
      const fl = xs.map((x) => x + 0.25);
      assert.deepEqual(await pool.map((x: number) => x, fl), fl);
      const mixed = [...xs.slice(0, 100), NaN, Infinity, -Infinity, 2 ** 40, -5];
      assert.deepEqual(await pool.map((x: number) => x, mixed), mixed);
      const withNeg = xs.slice(0, 50);
      withNeg[10] = -0;
      assert.ok(Object.is((await pool.map((x: number) => x, withNeg))[10], -0));
      assert.ok(Object.is((await pool.map((x: number) => (x === 7 ? -0 : x), xs.slice(0, 100)))[7], -0));
      const big = Array.from({ length: 100_001 }, (_, i) => i * 3);
      const r = await within(
        30_000,
        pool.map((x: number) => x * 2, big),
      );
      assert.equal(r.length, big.length);
      assert.equal(r[100_000], 600_000);
    });

    it('results that stop being numbers, throw, or are promises keep their places', async () => {
      const f = (x: number): unknown => (x === 40 ? Promise.resolve(x * 3) : x === 50 ? 0.5 : x === 60 ? 'str' : x);
      const r = await pool.map(f, xs.slice(0, 100), { chunksize: 100 });
      assert.equal(r[40], 120);
      assert.equal(r[50], 0.5);
      assert.equal(r[60], 'str');
      assert.equal(r[99], 99);
      await assert.rejects(
        pool.map(
          (x: number) => {
            if (x === 30) throw new Error('boom30');
            return x;
          },
          xs.slice(0, 100),
        ),
        /boom30/,
      );
      const got: number[] = [];
      for await (const v of pool.imap((x: number) => x * 2, xs, { chunksize: 20 })) got.push(v);
      assert.deepEqual(
        got,
        xs.map((x) => x * 2),
      );
    });
  });
}
