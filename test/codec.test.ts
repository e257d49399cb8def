// Unit tests of the value codec (src/codec): what crosses the boundary, what is refused, and
// how decoding treats untrusted bytes. Run after `npm run build`.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decode } from '../dist/esm/internal.js';
import { registerClass, TimeoutError, WorkerLostError, ProcessError } from 'multiproc';
import { Point, AppError } from './fixtures/unit/classes.ts';

type Coded = Error & { code?: string };

/** Encode then decode (decode may return a Promise while it imports a class's module). */
async function rt<T>(value: T): Promise<T> {
  return (await decode(encode(value))) as T;
}

/** Asserts `fn` throws (synchronously) a TypeError ERR_NOT_TRANSFERABLE whose message has every `parts`. */
function assertNotTransferable(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: Coded) => {
    assert.ok(e instanceof TypeError, `expected TypeError, got ${e?.constructor?.name}`);
    assert.equal(e.code, 'ERR_NOT_TRANSFERABLE');
    for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} should contain ${JSON.stringify(p)}`);
    return true;
  });
}

// Classes defined here are NOT exported from this module.
class Unexported {
  handler = 1;
}
class LocalPoint {
  constructor(
    public a: number,
    public b: number,
  ) {}
  sum(): number {
    return this.a + this.b;
  }
}
registerClass(LocalPoint, { name: 'unit.codec.LocalPoint' });

class Counter {
  #count: number;
  constructor(start: number) {
    this.#count = start;
  }
  increment(): number {
    return ++this.#count;
  }
  get value(): number {
    return this.#count;
  }
}
registerClass(Counter, {
  name: 'unit.codec.Counter',
  reduce: (c) => ({ count: c.value }),
  revive: (s) => new Counter((s as { count: number }).count),
});

describe('codec: round trips', () => {
  test('primitives incl. BigInt, undefined, -0, NaN, Infinity', async () => {
    for (const v of [0, 1, -1, 2 ** 40, -(2 ** 53), 1.5, 'text', '', 'ünïcödé ✓', true, false, null]) {
      assert.equal(await rt(v), v);
    }
    assert.equal(await rt(undefined), undefined);
    assert.equal(await rt(123n), 123n);
    assert.equal(await rt(-(2n ** 100n)), -(2n ** 100n));
    assert.equal(typeof (await rt(5n)), 'bigint');
    assert.ok(Number.isNaN(await rt(NaN)));
    assert.equal(await rt(Infinity), Infinity);
    assert.equal(await rt(-Infinity), -Infinity);
  });

  test('-0 stays -0 (as structured clone keeps it)', async () => {
    assert.ok(Object.is(await rt(-0), -0), 'top-level -0 must decode as -0');
    assert.ok(Object.is((await rt([-0]))[0], -0), '-0 inside an array must decode as -0');
    assert.ok(Object.is((await rt({ z: -0 })).z, -0), '-0 inside an object must decode as -0');
  });

  test('undefined inside arrays and objects is kept (the key stays)', async () => {
    const out = await rt({ a: undefined, b: [1, undefined, 3] });
    assert.ok('a' in out);
    assert.equal(out.a, undefined);
    assert.deepEqual(out.b, [1, undefined, 3]);
  });

  test('nested arrays and objects', async () => {
    const v = { a: [1, [2, [3, { b: 'c' }]]], d: { e: { f: [null, true, 1n] } }, empty: {}, none: [] };
    assert.deepEqual(await rt(v), v);
  });

  test('Map keeps non-string keys with their types', async () => {
    const key = { k: 1 };
    const m = new Map<unknown, unknown>([
      [0.25, 'quarter'],
      ['2', 'string two'],
      [2, 'number two'],
      [true, 'yes'],
      [key, 'obj'],
      [null, 'null'],
    ]);
    const out = await rt(m);
    assert.ok(out instanceof Map);
    assert.equal(out.size, 6);
    assert.equal(out.get(0.25), 'quarter');
    assert.equal(out.get('2'), 'string two');
    assert.equal(out.get(2), 'number two');
    assert.equal(out.get(true), 'yes');
    assert.equal(out.get(null), 'null');
    const keys = [...out.keys()];
    assert.equal(typeof keys[0], 'number');
    assert.equal(typeof keys[1], 'string');
    assert.deepEqual(keys[4], { k: 1 });
    assert.equal(out.get(keys[4]), 'obj');
  });

  test('Map is not confused with a plain object and vice versa', async () => {
    const out = await rt({ plain: { x: 1 }, map: new Map([['x', 1]]) });
    assert.ok(!(out.plain instanceof Map));
    assert.equal(Object.getPrototypeOf(out.plain), Object.prototype);
    assert.ok(out.map instanceof Map);
  });

  test('Set, Date, RegExp with flags', async () => {
    const s = await rt(new Set([1, '1', 2n, null]));
    assert.ok(s instanceof Set);
    assert.deepEqual([...s], [1, '1', 2n, null]);

    const d = new Date(Date.UTC(2020, 1, 29, 12, 34, 56, 789));
    const dd = await rt(d);
    assert.ok(dd instanceof Date);
    assert.equal(dd.getTime(), d.getTime());
    assert.ok(Number.isNaN((await rt(new Date(NaN))).getTime()), 'an invalid Date stays invalid');

    const re = await rt(/a+b\d*/gimsuy);
    assert.ok(re instanceof RegExp);
    assert.equal(re.source, 'a+b\\d*');
    assert.equal(re.flags, 'gimsuy');
  });

  test('Buffer stays a Buffer; Uint8Array stays a Uint8Array (not a Buffer)', async () => {
    const b = await rt(Buffer.from('hello'));
    assert.ok(Buffer.isBuffer(b), 'Buffer must decode as a Buffer');
    assert.equal(b.toString(), 'hello');

    const u = await rt(new Uint8Array([1, 2, 3, 255]));
    assert.ok(u instanceof Uint8Array);
    assert.ok(!Buffer.isBuffer(u), 'Uint8Array must not become a Buffer');
    assert.equal(u.constructor, Uint8Array);
    assert.deepEqual([...u], [1, 2, 3, 255]);

    const both = await rt({ b: Buffer.from([9]), u: new Uint8Array([9]) });
    assert.ok(Buffer.isBuffer(both.b));
    assert.ok(!Buffer.isBuffer(both.u));
  });

  test('other typed arrays, DataView and ArrayBuffer', async () => {
    const cases: ArrayLike<unknown>[] = [
      new Int8Array([-1, 2]),
      new Uint8ClampedArray([0, 255]),
      new Int16Array([-300, 300]),
      new Uint16Array([65535]),
      new Int32Array([-(2 ** 31)]),
      new Uint32Array([2 ** 32 - 1]),
      new Float32Array([1.5, -2.25]),
      new Float64Array([Math.PI, -0]),
      new BigInt64Array([-(2n ** 63n), 7n]),
      new BigUint64Array([2n ** 64n - 1n]),
    ];
    for (const ta of cases) {
      const out = await rt(ta);
      assert.equal(out.constructor, ta.constructor, `${ta.constructor.name} keeps its class`);
      assert.deepEqual([...(out as unknown as Iterable<unknown>)], [...(ta as unknown as Iterable<unknown>)]);
    }
    // A view onto part of a larger buffer carries just its own elements.
    const big = new Float64Array([1, 2, 3, 4]);
    const view = await rt(big.subarray(1, 3));
    assert.deepEqual([...view], [2, 3]);

    const ab = new Uint8Array([5, 6, 7]).buffer;
    const abOut = await rt(ab);
    assert.ok(abOut instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(abOut)], [5, 6, 7]);

    const dv = await rt(new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2));
    assert.ok(dv instanceof DataView);
    assert.equal(dv.byteLength, 2);
    assert.equal(dv.getUint8(0), 2);
  });

  test('cycles and shared references keep identity within one message', async () => {
    const shared = { x: 1 };
    const obj: Record<string, unknown> = { a: shared, b: shared, list: [shared] };
    obj.self = obj;
    const out = (await rt(obj)) as typeof obj & { a: object; b: object; list: object[]; self: unknown };
    assert.equal(out.self, out, 'object cycle');
    assert.equal(out.a, out.b, 'shared reference');
    assert.equal(out.list[0], out.a);
    assert.deepEqual(out.a, { x: 1 });

    const arr: unknown[] = [1];
    arr.push(arr);
    const arrOut = (await rt(arr)) as unknown[];
    assert.equal(arrOut[1], arrOut, 'array cycle');

    const m = new Map<string, unknown>();
    m.set('me', m);
    const s = new Set<unknown>();
    s.add(s);
    const ms = await rt({ m, s, again: m });
    assert.equal(ms.m.get('me'), ms.m, 'map cycle');
    assert.ok(ms.s.has(ms.s), 'set cycle');
    assert.equal(ms.again, ms.m);

    const buf = Buffer.from('x');
    const bufs = await rt([buf, buf]);
    assert.equal(bufs[0], bufs[1], 'shared Buffer');
  });

  test('encoding does not mutate the input', async () => {
    const v = { p: new Point(1, 2), list: [new LocalPoint(1, 2)], e: new TypeError('t') };
    const snapshot = { p: v.p, list0: v.list[0], e: v.e };
    encode(v);
    assert.equal(v.p, snapshot.p);
    assert.equal(v.list[0], snapshot.list0);
    assert.ok(v.p instanceof Point);
    assert.equal(v.e, snapshot.e);
  });
});

describe('codec: class instances', () => {
  test('an instance of an exported class keeps its class and methods', async () => {
    const out = await rt(new Point(3, 4));
    assert.ok(out instanceof Point);
    assert.equal(out.x, 3);
    assert.equal(out.y, 4);
    assert.equal(out.norm2(), 25);
  });

  test('exported-class instances nested in containers and shared keep identity', async () => {
    const p = new Point(1, 1);
    const out = await rt({ list: [p, p], map: new Map([['p', p]]) });
    assert.ok(out.list[0] instanceof Point);
    assert.equal(out.list[0], out.list[1]);
    assert.equal(out.map.get('p'), out.list[0]);
  });

  test('an exported-class instance that refers to itself keeps its class and identity', async () => {
    const p = new Point(1, 1) as Point & { self?: unknown };
    p.self = p;
    const out = await rt(p);
    assert.ok(out instanceof Point, 'the instance keeps its class');
    assert.equal(out.self, out, 'the self reference is the decoded instance');
  });

  test('a cycle through an exported-class instance keeps identity', async () => {
    const p = new Point(1, 1) as Point & { peer?: unknown };
    const holder = { p };
    p.peer = holder;
    const out = await rt(holder);
    assert.ok(out.p instanceof Point);
    assert.equal((out.p as Point & { peer?: unknown }).peer, out, 'the back reference is the decoded container');
  });

  test('registerClass makes a non-exported class transferable', async () => {
    const out = await rt({ lp: new LocalPoint(2, 5) });
    assert.ok(out.lp instanceof LocalPoint);
    assert.equal(out.lp.sum(), 7);
  });

  test('registerClass with reduce/revive carries #private state', async () => {
    const c = new Counter(41);
    const out = await rt([c, c]);
    assert.ok(out[0] instanceof Counter);
    assert.equal(out[0].value, 41);
    assert.equal(out[0].increment(), 42);
    assert.equal(out[0], out[1], 'identity of a revived instance inside one message');
    assert.equal(c.value, 41, 'the original is untouched');
  });

  test('registered classes decode even when modules may not be named (allowModules: false)', async () => {
    const out = (await decode(encode(new LocalPoint(1, 2)), { allowModules: false })) as LocalPoint;
    assert.ok(out instanceof LocalPoint);
  });

  test('an instance of a non-exported, unregistered class is refused with its path and class name', () => {
    assertNotTransferable(() => encode(['x', { handler: new Unexported() }], 'args'), 'args[1].handler', 'Unexported');
    assertNotTransferable(() => encode({ deep: { list: [0, new Unexported()] } }), 'value.deep.list[1]', 'Unexported', 'registerClass');
  });

  test('registerClass misuse', () => {
    class Other {}
    assert.throws(() => registerClass(Other, { name: 'unit.codec.LocalPoint' }), { code: 'ERR_CLASS_NAME_TAKEN' });
    assert.throws(() => registerClass(42 as never), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('codec: refused values', () => {
  test('a function inside a value', () => {
    assertNotTransferable(() => encode([1, { handler: () => 1 }], 'args'), 'args[1].handler');
    assertNotTransferable(() => encode({ cb: function named() {} }), 'value.cb', 'named');
    assertNotTransferable(() => encode(new Map([['k', () => 0]])), 'value', 'function');
  });

  test("symbol-keyed properties and an own '__proto__' key are refused, not dropped", () => {
    assertNotTransferable(() => encode({ a: 1, [Symbol('k')]: 2 }, 'args'), 'symbol-keyed');
    assertNotTransferable(() => encode({ deep: { b: { [Symbol('k')]: 2 }, c: [] } }, 'args'), 'args.deep.b', 'symbol-keyed');
    assertNotTransferable(() => encode(JSON.parse('{"__proto__": {"x": 1}, "a": 1}'), 'args'), '__proto__');
  });

  test('a symbol', () => {
    assertNotTransferable(() => encode({ a: { s: Symbol('x') } }, 'args'), 'args.a.s', 'symbol');
    assertNotTransferable(() => encode(Symbol('top')), 'symbol');
  });

  test('a WeakMap, WeakSet and a Promise', () => {
    assertNotTransferable(() => encode({ w: new WeakMap() }, 'args'), 'args.w', 'WeakMap');
    assertNotTransferable(() => encode([0, new WeakSet()], 'args'), 'args[1]', 'WeakSet');
    const p = Promise.resolve(1);
    assertNotTransferable(() => encode({ pending: [p] }, 'args'), 'args.pending[0]', 'Promise');
  });
});

describe('codec: errors', () => {
  test('built-in error classes keep their class and message', async () => {
    for (const E of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
      const e = new E('boom');
      const out = await rt(e);
      assert.ok(out instanceof E, `${E.name} keeps its class`);
      assert.equal(out.constructor, E);
      assert.equal(out.message, 'boom');
      assert.equal(out.name, E.name);
      assert.equal(out.stack, e.stack);
    }
  });

  test('a built-in error keeps its code and own fields', async () => {
    const e = Object.assign(new RangeError('bad'), { code: 'ERR_X', extra: { n: 1 } });
    const out = await rt(e);
    assert.ok(out instanceof RangeError);
    assert.equal(out.code, 'ERR_X');
    assert.deepEqual(out.extra, { n: 1 });
  });

  test('an exported Error subclass keeps class, code, own fields, cause, message and stack', async () => {
    const inner = new RangeError('inner problem');
    const e = new AppError('outer problem', 'ERR_APP', { id: 7 }, { cause: inner });
    const out = await rt(e);
    assert.ok(out instanceof AppError);
    assert.ok(out instanceof Error);
    assert.equal(out.message, 'outer problem');
    assert.equal(out.code, 'ERR_APP');
    assert.deepEqual(out.detail, { id: 7 });
    assert.equal(out.describe(), 'ERR_APP: outer problem', 'methods of the class work');
    assert.equal(out.stack, e.stack, 'remote stack text is kept');
    assert.ok(out.cause instanceof RangeError, 'the cause keeps its class');
    assert.equal((out.cause as Error).message, 'inner problem');
    assert.equal((out.cause as Error).stack, inner.stack);
  });

  test('a cause that is itself an exported Error subclass, and a non-error cause', async () => {
    const e = new Error('top', { cause: new AppError('mid', 'ERR_MID', { id: 1 }, { cause: 'plain string' }) });
    const out = await rt(e);
    const mid = out.cause as AppError;
    assert.ok(mid instanceof AppError);
    assert.equal(mid.code, 'ERR_MID');
    assert.equal(mid.cause, 'plain string');
    const none = await rt(new Error('no cause'));
    assert.ok(!('cause' in none), 'no cause property appears from nowhere');
    const undef = await rt(new Error('undefined cause', { cause: undefined }));
    assert.ok('cause' in undef, 'an explicit undefined cause is kept');
  });

  test('AggregateError keeps its errors', async () => {
    const agg = new AggregateError([new TypeError('a'), new AppError('b', 'ERR_B', { id: 2 })], 'many');
    const out = await rt(agg);
    assert.ok(out instanceof AggregateError);
    assert.equal(out.message, 'many');
    assert.equal(out.errors.length, 2);
    assert.ok(out.errors[0] instanceof TypeError);
    assert.equal(out.errors[0].message, 'a');
    assert.ok(out.errors[1] instanceof AppError);
    assert.equal(out.errors[1].code, 'ERR_B');
  });

  test('an error is never refused: a function (or other unsendable) field becomes a string', async () => {
    const e = Object.assign(new Error('has hook'), { hook: () => 1, sym: Symbol('s'), other: new Unexported(), ok: 5 });
    let bytes: Uint8Array | undefined;
    assert.doesNotThrow(() => {
      bytes = encode({ err: e });
    });
    const out = (await decode(bytes!)) as { err: Error & Record<string, unknown> };
    assert.ok(out.err instanceof Error);
    assert.equal(out.err.message, 'has hook');
    assert.equal(typeof out.err.hook, 'string');
    assert.equal(typeof out.err.sym, 'string');
    assert.equal(typeof out.err.other, 'string');
    assert.equal(out.err.ok, 5);
    // An unsendable cause does not refuse the error either.
    const withCause = await rt(new Error('c', { cause: () => 0 }));
    assert.equal(typeof withCause.cause, 'string');
  });

  test('an error of a non-exported subclass still travels (as its nearest sendable class) with its name', async () => {
    class HiddenError extends TypeError {
      constructor(m: string) {
        super(m);
        this.name = 'HiddenError';
      }
    }
    const out = await rt(new HiddenError('hidden'));
    assert.ok(out instanceof TypeError);
    assert.equal(out.name, 'HiddenError');
    assert.equal(out.message, 'hidden');
  });

  test('an error that refers to itself', async () => {
    const e = new Error('loop') as Error & { self?: unknown };
    e.self = e;
    const out = await rt(e);
    assert.equal(out.self, out);
  });

  test("multiproc's own errors revive with their class", async () => {
    const t = await rt(new TimeoutError('too slow'));
    assert.ok(t instanceof TimeoutError);
    assert.ok(t instanceof ProcessError);
    assert.equal(t.name, 'TimeoutError');
    assert.equal(t.message, 'too slow');
    assert.equal(t.code, 'ERR_TIMEOUT');

    const w = await rt(new WorkerLostError('worker died', { exitCode: 3, signal: null }));
    assert.ok(w instanceof WorkerLostError);
    assert.equal(w.exitCode, 3);
    assert.equal(w.signal, null);
    assert.equal(w.code, 'ERR_WORKER_LOST');
    assert.equal(w.name, 'WorkerLostError');

    const k = await rt(new WorkerLostError('killed', { exitCode: null, signal: 'SIGKILL' }));
    assert.ok(k instanceof WorkerLostError);
    assert.equal(k.exitCode, null);
    assert.equal(k.signal, 'SIGKILL');

    // They name no module, so a peer without module trust can send them too.
    const t2 = await decode(encode(new TimeoutError('x')), { allowModules: false });
    assert.ok(t2 instanceof TimeoutError);
  });
});

describe('codec: decode is defensive', () => {
  function mulberry32(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  test('the never-used msgpack byte 0xc1 is rejected, not decoded', async () => {
    await assert.rejects(
      async () => decode(new Uint8Array([0xc1])),
      (e: unknown) => e instanceof Error,
    );
  });

  test('garbage bytes throw', async () => {
    const garbage: Uint8Array[] = [
      new Uint8Array([]),
      new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), // array32 claiming 4G elements, none present
      new Uint8Array([0xdb, 0xff, 0xff, 0xff, 0xf0, 0x41]), // str32 longer than the buffer
      new Uint8Array([0xc9, 0x7f, 0xff, 0xff, 0xff, 0x14, 0x00]), // ext32 with a huge length
      new Uint8Array([0xd6, 0x14, 0xff, 0xff, 0xff, 0x7f]), // manifest ext, claims a huge refs table
      new Uint8Array([0xd6, 0x11, 0x01, 0x02, 0x03, 0x04]), // class ext without a manifest
      Buffer.from('this is not a message at all'),
    ];
    // A truncated valid message.
    const valid = encode({ a: [1, 2, 3], s: 'x'.repeat(100), p: new Point(1, 2) });
    for (const cut of [1, 5, Math.floor(valid.length / 2), valid.length - 1]) garbage.push(valid.subarray(0, cut));

    for (const bytes of garbage) {
      await assert.rejects(
        async () => decode(bytes),
        (e: unknown) => e instanceof Error,
        `decode should reject ${Buffer.from(bytes).toString('hex').slice(0, 40)}`,
      );
    }
  });

  test('random bytes either decode or throw an Error, and never hang', async () => {
    const rand = mulberry32(12345);
    const started = Date.now();
    let threw = 0;
    for (let i = 0; i < 3000; i++) {
      const len = 1 + Math.floor(rand() * 64);
      const bytes = new Uint8Array(len);
      for (let j = 0; j < len; j++) bytes[j] = Math.floor(rand() * 256);
      try {
        const r = decode(bytes);
        if (r && typeof (r as Promise<unknown>).then === 'function') {
          await Promise.race([
            Promise.resolve(r).catch(() => undefined),
            new Promise((_, reject) => setTimeout(() => reject(new Error(`decode hung on ${Buffer.from(bytes).toString('hex')}`)), 5000)),
          ]);
        }
      } catch (e) {
        assert.ok(e instanceof Error, `decode threw a non-Error for ${Buffer.from(bytes).toString('hex')}`);
        threw++;
      }
    }
    assert.ok(threw > 0, 'most random inputs are invalid messages');
    assert.ok(Date.now() - started < 30_000, 'decoding garbage stays fast');
  });

  test('bit flips of a valid message throw an Error or decode, never hang', async () => {
    const valid = encode({ n: 1, list: [1n, 'two', new Date(0)], m: new Map([[1, 2]]), e: new TypeError('t'), lp: new LocalPoint(1, 2) });
    for (let i = 0; i < valid.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bytes = Uint8Array.from(valid);
        bytes[i] ^= mask;
        try {
          await Promise.race([Promise.resolve(decode(bytes, { allowModules: false })), new Promise((_, reject) => setTimeout(() => reject(new Error('hung')), 5000))]);
        } catch (e) {
          assert.ok(e instanceof Error);
          assert.notEqual((e as Error).message, 'hung', `decode hung at byte ${i} mask ${mask}`);
        }
      }
    }
  });

  test('allowModules: false never imports: a module class is only looked up if this process has it', async () => {
    // A module this process never loaded: refused, nothing imported.
    const ghost = encode({ p: new Point(1, 2) });
    const forged = Buffer.from((ghost as Buffer).toString('latin1').replace(/unit\/classes/, 'unit/clas5es'), 'latin1');
    await assert.rejects(async () => decode(forged, { allowModules: false }), { code: 'ERR_INVALID_MESSAGE' });
    // A class this program already has (its module is loaded here) is looked up, not imported.
    const known = (await decode(encode({ p: new Point(1, 2) }), { allowModules: false })) as { p: Point };
    assert.ok(known.p instanceof Point);
    const err = await decode(encode(new AppError('m', 'ERR_APP', { id: 1 })), { allowModules: false });
    assert.ok(err instanceof AppError);
  });

  test('a message naming an unknown shared object type is rejected', async () => {
    class FakeShared {
      [Symbol.for('multiproc.reduce')]() {
        return { type: 'unit.codec.no-such-type', state: { a: 1 } };
      }
    }
    const bytes = encode({ fake: new FakeShared() });
    await assert.rejects(async () => decode(bytes), { code: 'ERR_INVALID_MESSAGE' });
  });

  test('a message naming a registered class this process does not know is rejected', async () => {
    class Ephemeral {
      v = 1;
    }
    registerClass(Ephemeral, { name: 'unit.codec.Ephemeral' });
    const bytes = Buffer.from(encode(new Ephemeral()));
    // Rename the class in the manifest to a name nobody registered (same length).
    const at = bytes.indexOf('unit.codec.Ephemeral');
    assert.ok(at > 0);
    bytes.write('unit.codec.Xphemeral', at);
    await assert.rejects(
      async () => decode(bytes),
      (e: Coded) => e instanceof Error && typeof e.code === 'string',
    );
  });
});
