// Values arrive as they were sent (structured-clone fidelity): Buffers of any size stay
// Buffers, strings with lone surrogates keep them, sparse arrays keep their holes, a getter is
// read once per send, and a value nested past the depth limit is refused with
// ERR_NOT_TRANSFERABLE instead of a bare RangeError. Property tests (fast-check, seeded as in
// fuzz.test.ts) over these shapes, in this process and through real processes and threads
// (Queue, manager dict, Pool arguments and results). Also: keys named '__proto__' from a peer
// never set a prototype. Run after `npm run build`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Manager, Pool, Process, Queue, type SyncManager } from 'multiproc';
import { encode, decode } from '../dist/esm/internal.js';
import { echoQueue } from './fixtures/shared.ts';
import { dictEcho, putGetter, same, setProtoAttribute, throwProtoField } from './fixtures/fidelity.ts';
import { contexts, within, rejection } from './helpers.ts';

const seed = Number(process.env.FUZZ_SEED ?? 20261203);
const params = (numRuns: number) => ({ seed, includeErrorInReport: true, numRuns: Math.max(1, Math.round(numRuns * Number(process.env.FUZZ_RUNS_SCALE ?? 1))) });

/** Strings of printable ASCII and surrogate halves (lone ones among them, and some pairs). */
const surrogateString = fc
  .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xd800, max: 0xdfff })), { maxLength: 8 })
  .map((units) => String.fromCharCode(...units));
/** Buffers around 64 KiB (the size at which they used to arrive as Uint8Array) and small ones. */
const buffer = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => Buffer.alloc(n, 7)),
  fc.integer({ min: 60 * 1024, max: 200 * 1024 }).map((n) => Buffer.alloc(n, 0x5a)),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    surrogateString,
    fc.integer(),
    fc.constant(undefined),
    buffer,
    fc.sparseArray(tie('value'), { maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      surrogateString.filter((k) => k !== '__proto__'),
      tie('value'),
      { maxKeys: 4, noNullPrototype: true },
    ),
    fc.array(fc.tuple(surrogateString, tie('value')), { maxLength: 3 }).map((es) => new Map(es)),
  ),
}));

/** Strict deep equality that also tells holes from undefined and Buffer from Uint8Array. */
function assertSame(got: unknown, want: unknown, path = 'value'): void {
  if (typeof want !== 'object' || want === null) {
    assert.ok(Object.is(got, want), `${path}: got ${JSON.stringify(got)}, sent ${JSON.stringify(want)}`);
    return;
  }
  assert.equal(Object.getPrototypeOf(got), Object.getPrototypeOf(want), `${path}: arrived as ${(got as object)?.constructor?.name}, sent ${want.constructor.name}`);
  if (ArrayBuffer.isView(want)) {
    assert.ok(Buffer.from(got as Uint8Array).equals(Buffer.from(want as Uint8Array)), `${path}: bytes differ`);
    return;
  }
  if (want instanceof Map) {
    const g = got as Map<unknown, unknown>;
    assert.equal(g.size, want.size, `${path}: Map size`);
    for (const [k, v] of want) {
      assert.ok(g.has(k), `${path}: key ${JSON.stringify(k)} missing`);
      assertSame(g.get(k), v, `${path}.get(${JSON.stringify(k)})`);
    }
    return;
  }
  const gk = Object.keys(got as object),
    wk = Object.keys(want);
  assert.deepEqual(gk, wk, `${path}: own keys (holes) differ`);
  if (Array.isArray(want)) assert.equal((got as unknown[]).length, want.length, `${path}: length`);
  for (const k of wk) assertSame((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${path}[${JSON.stringify(k)}]`);
}

describe('values keep their shape (this process)', () => {
  it('property: any mix of lone surrogates, holes, Buffers up to 200 KiB, Maps and objects survives encode/decode', () => {
    fc.assert(
      fc.property(value, (v) => {
        assertSame(decode(encode(v)), v);
      }),
      params(300),
    );
  });

  it('a getter is read once per send, and its value is what arrives', () => {
    let reads = 0;
    const o = {
      get x() {
        return ++reads;
      },
    };
    const nested = { inner: o, list: [o] };
    assert.deepEqual(decode(encode(o)), { x: 1 });
    assert.equal(reads, 1);
    reads = 0;
    assert.deepEqual(decode(encode(nested)), { inner: { x: 1 }, list: [{ x: 1 }] });
    assert.equal(reads, 1);
  });

  it('a value nested 100,000 deep is refused with ERR_NOT_TRANSFERABLE naming the depth limit; 500 deep travels', () => {
    for (const make of [(d: unknown) => [d], (d: unknown) => ({ a: d }), (d: unknown) => new Map([[1, d]])]) {
      let deep: unknown = 0;
      for (let i = 0; i < 100_000; i++) deep = make(deep);
      assert.throws(
        () => encode(deep),
        (e: Error & { code?: string }) => e.code === 'ERR_NOT_TRANSFERABLE' && /nested more than 1000 levels deep|nested too deeply/.test(e.message),
      );
      let ok: unknown = 0;
      for (let i = 0; i < 500; i++) ok = make(ok);
      assertSame(decode(encode(ok)), ok);
    }
  });
});

for (const context of contexts) {
  describe(`values keep their shape through a ${context}`, () => {
    let pool: Pool;
    let m: SyncManager;
    // One batch of generated values per path: each crosses to the other side and back.
    const samples = fc.sample(value, { seed, numRuns: 40 });
    samples.push(Buffer.alloc(64 * 1024, 1), Buffer.alloc(1 << 20, 2), '\ud83d', ['a\udc00', [1, , 3]], { s: '\udbff' }, new Array(5));
    before(async () => {
      pool = new Pool({ processes: 1, context });
      m = await within(30_000, Manager({ context }));
    });
    after(async () => {
      await pool.terminate();
      await m.shutdown();
    });

    it('Queue: every sample comes back from a child exactly as sent', async () => {
      const inq = new Queue<unknown>(),
        outq = new Queue<unknown>();
      const p = new Process({ target: echoQueue, args: [inq, outq], context });
      p.start();
      for (const v of samples) await inq.put(v);
      for (let i = 0; i < samples.length; i++) assertSame(await within(30_000, outq.get()), samples[i], `sample ${i}`);
      await inq.put('stop');
      await within(30_000, p.join());
    });

    it('Pool: every sample as an argument comes back as the result exactly as sent', async () => {
      for (let i = 0; i < samples.length; i++) assertSame(await within(30_000, pool.apply(same, [samples[i]])), samples[i], `sample ${i}`);
    });

    it('manager dict: every sample read and written back by a child arrives exactly as sent', async () => {
      const d = await m.dict<string, unknown>();
      for (let i = 0; i < samples.length; i++) await d.set(String(i), samples[i]);
      const p = new Process({ target: dictEcho, args: [d, samples.length], context });
      p.start();
      await within(60_000, p.join());
      assert.equal(p.exitCode, 0);
      for (let i = 0; i < samples.length; i++) assertSame(await d.get(`r${i}`), samples[i], `sample ${i}`);
    });

    it('a getter in a child is read once per put', async () => {
      const q = new Queue<unknown>();
      const p = new Process({ target: putGetter, args: [q], context });
      p.start();
      assert.deepEqual(await within(30_000, q.get()), { x: 1 });
      assert.equal(await within(30_000, q.get()), 1);
      await within(30_000, p.join());
    });

    it("a peer's '__proto__' keys never set a prototype: Namespace.toObject(), error fields", async () => {
      const ns = await m.Namespace();
      const p = new Process({ target: setProtoAttribute, args: [ns], context });
      p.start();
      await within(30_000, p.join());
      assert.equal(p.exitCode, 0);
      const o = await ns.toObject();
      assert.equal(Object.getPrototypeOf(o), Object.prototype);
      assert.equal((o as { isAdmin?: unknown }).isAdmin, undefined, 'isAdmin came through the prototype');
      assert.ok(Object.prototype.hasOwnProperty.call(o, '__proto__'), "'__proto__' is an own attribute");
      assert.deepEqual(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, { isAdmin: true });
      assert.equal(o.name, 'peer');
      const e = await rejection(pool.apply(throwProtoField, []), 30_000);
      assert.ok(e instanceof Error, 'the error lost its prototype');
      assert.equal(Object.getPrototypeOf(e), Error.prototype);
      assert.equal((e as { isAdmin?: unknown }).isAdmin, undefined);
      assert.equal(e.message, 'has a __proto__ field');
    });
  });
}
