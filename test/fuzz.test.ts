// Property-based fuzzing (fast-check) of what a hostile peer controls: the frame reader
// (src/channel/frames.ts) and the codec's untrusted decode path (decode with allowModules:
// false, as the hub server decodes arguments, and decodeFromPeer, as a Listener's Connection
// does). Random, mutated, truncated and deeply nested bytes only ever give a value or an Error
// with a string `code`; nothing hangs, nothing is allocated past the frame limit, and nothing a
// message names is imported or run. Seeded: FUZZ_SEED changes the seed and FUZZ_RUNS_SCALE
// the number of runs (a failure prints the seed and the shrunk counterexample).
// Run after `npm run build`.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
// The library's bundled msgpackr, whose global extensions the envelope test is about.
import { Packr } from '../dist/esm/internal.js';
import { FrameReader, joinFrames } from '../dist/esm/internal.js';
import { encode, decode, decodingUntrusted } from '../dist/esm/internal.js';
import { decodeFromPeer } from '../dist/esm/internal.js';
import { SharedMemory } from '../dist/esm/internal.js';
import { EXT, ext, exportRef, hostileModuleUrl, manifest, msgpack, naming, shared, type Shape } from './fixtures/crafted.ts';

const seed = Number(process.env.FUZZ_SEED ?? 20261121);
const params = (numRuns: number) => ({ seed, includeErrorInReport: true, numRuns: Math.max(1, Math.round(numRuns * Number(process.env.FUZZ_RUNS_SCALE ?? 1))) });
const T = { timeout: 60_000 };

type Coded = Error & { code?: unknown };
const hex = (b: Uint8Array) => Buffer.from(b.subarray(0, 40)).toString('hex') + (b.length > 40 ? `... (${b.length} bytes)` : '');

function assertCoded(e: unknown, input: Uint8Array, what: string): asserts e is Coded & { code: string } {
  assert.ok(e instanceof Error, `${what} threw a non-Error (${String(e)}) for ${hex(input)}`);
  assert.equal(typeof (e as Coded).code, 'string', `${what} threw ${e.name} without a code: ${e.message} (input ${hex(input)})`);
}

// ---- the frame reader ----

/** Pushes `bytes` in chunks of the given sizes (cycled). */
function feed(reader: FrameReader, bytes: Uint8Array, sizes: number[]): void {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    reader.push(bytes.subarray(at, at + n));
    at += n;
  }
}

const frames = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 });
const splits = fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 30 });
const stream = (fs: Uint8Array[]) =>
  joinFrames(
    fs,
    fs.reduce((n, f) => n + f.length, 0),
  );

/** Feeds untrusted bytes: only ERR_FRAME_TOO_LARGE may be thrown, and no frame exceeds the limit or the input. */
function feedHostile(bytes: Uint8Array, sizes: number[], max: number): void {
  let delivered = 0;
  const reader = new FrameReader((f) => {
    assert.ok(f.length <= max, `a ${f.length}-byte frame passed a ${max}-byte limit`);
    delivered += 4 + f.length;
  }, max);
  try {
    feed(reader, bytes, sizes);
  } catch (e) {
    assertCoded(e, bytes, 'FrameReader.push');
    assert.equal(e.code, 'ERR_FRAME_TOO_LARGE', e.message);
  }
  assert.ok(delivered <= bytes.length, 'frames came out of nothing');
}

describe('FrameReader under fuzzing', () => {
  test('frames split at any chunk boundaries come out whole and in order', T, () => {
    fc.assert(
      fc.property(frames, splits, (fs, sizes) => {
        const got: Buffer[] = [];
        feed(new FrameReader((f) => got.push(Buffer.from(f)), 300), stream(fs), sizes);
        assert.deepEqual(
          got,
          fs.map((f) => Buffer.from(f)),
        );
      }),
      params(400),
    );
  });

  test('an empty frame whose header ends a chunk comes out (was a TypeError without a code)', () => {
    // Found by the property above: the header arrived in two pushes, nothing was left pending,
    // and taking 0 bytes read past the pending list.
    const got: Uint8Array[] = [];
    const reader = new FrameReader((f) => got.push(f), 16);
    reader.push(Uint8Array.of(0, 0));
    reader.push(Uint8Array.of(0, 0));
    reader.push(Uint8Array.of(1, 0, 0, 0, 7));
    assert.deepEqual(
      got.map((f) => [...f]),
      [[], [7]],
    );
  });

  test('random bytes at random boundaries: only ERR_FRAME_TOO_LARGE, never a frame over the limit', T, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), splits, fc.integer({ min: 0, max: 512 }), (bytes, sizes, max) => {
        feedHostile(bytes, sizes, max);
      }),
      params(400),
    );
  });

  test('valid frames with bytes flipped, overwritten, inserted or deleted: only ERR_FRAME_TOO_LARGE', T, () => {
    fc.assert(
      fc.property(frames, mutations, splits, fc.integer({ min: 0, max: 400 }), (fs, ms, sizes, max) => {
        feedHostile(mutate(stream(fs), ms), sizes, max);
      }),
      params(400),
    );
  });

  test('a length over the limit throws ERR_FRAME_TOO_LARGE in the push that completes it, after the frames before it', T, () => {
    const limitAndLength = fc.integer({ min: 0, max: 1 << 20 }).chain((max) => fc.tuple(fc.constant(max), fc.integer({ min: max + 1, max: 0xffffffff })));
    fc.assert(
      fc.property(frames, limitAndLength, splits, (before, [max, announced], sizes) => {
        const ok = before.filter((f) => f.length <= max);
        const head = Buffer.alloc(4);
        head.writeUInt32LE(announced);
        const bytes = Buffer.concat([stream(ok), head, Buffer.alloc(100, 0xab)]);
        const headerEnd = bytes.length - 100;
        let got = 0;
        const reader = new FrameReader(() => {
          got++;
        }, max);
        let at = 0;
        let n = 0;
        let thrown: unknown;
        for (let i = 0; at < bytes.length; i++, at += n) {
          n = sizes[i % sizes.length]!;
          try {
            reader.push(bytes.subarray(at, at + n));
          } catch (e) {
            thrown = e;
            break;
          }
        }
        assertCoded(thrown, bytes, 'FrameReader.push');
        assert.equal(thrown.code, 'ERR_FRAME_TOO_LARGE');
        assert.ok(at < headerEnd && at + n >= headerEnd, `it threw in the push of bytes ${at}..${at + n}, the length ends at ${headerEnd}`);
        assert.equal(got, ok.length);
      }),
      params(300),
    );
  });

  test('a 4 GiB length under a 1 KiB limit throws at once and allocates nothing', () => {
    const before = process.memoryUsage().arrayBuffers;
    const whole = new FrameReader(() => assert.fail('no frame'), 1024);
    assert.throws(() => whole.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3)), { code: 'ERR_FRAME_TOO_LARGE', message: /4294967295-byte frame; the limit is 1024 bytes/ });
    // Byte by byte: the fourth byte throws.
    const split = new FrameReader(() => assert.fail('no frame'), 1024);
    for (let i = 0; i < 3; i++) split.push(Uint8Array.of(0xff));
    assert.throws(() => split.push(Uint8Array.of(0xff)), { code: 'ERR_FRAME_TOO_LARGE' });
    assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'memory was allocated for the announced length');
  });

  test('a length under the limit allocates nothing until its bytes arrive', () => {
    const reader = new FrameReader(() => assert.fail('no frame yet'));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(900 * 1024 * 1024); // under the default 1 GiB
    const before = process.memoryUsage().arrayBuffers;
    reader.push(Buffer.concat([head, Buffer.alloc(10)]));
    for (let i = 0; i < 16; i++) reader.push(Buffer.alloc(64 * 1024));
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 8 << 20, `${grown} bytes allocated for 1 MiB received`);
  });
});

// ---- the untrusted decode path ----

const { value: sendable } = fc.letrec<{ value: unknown; scalar: unknown }>((tie) => ({
  scalar: fc.oneof(
    fc.integer(),
    fc.double(),
    fc.bigInt(),
    fc.string({ maxLength: 30 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant(-0),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array({ maxLength: 30 }),
    fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)),
    fc.float64Array({ maxLength: 6 }),
    fc.int16Array({ maxLength: 6 }),
    fc.array(fc.integer(), { minLength: 16, maxLength: 24 }),
    fc.array(fc.double(), { minLength: 16, maxLength: 24 }),
  ),
  value: fc.oneof(
    { depthSize: 'small' },
    tie('scalar'),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'),
      tie('value'),
      { maxKeys: 5, noNullPrototype: true },
    ),
    fc.array(fc.tuple(tie('scalar'), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
    fc.array(tie('scalar'), { maxLength: 4 }).map((a) => new Set(a)),
  ),
}));
/** Sendable values plus errors (which do not compare with deepEqual, so they stay out of the round trip). */
const message = fc.oneof(
  sendable,
  fc.tuple(fc.string({ maxLength: 20 }), sendable).map(([m, cause]) => new RangeError(m, { cause })),
);

interface Mutation {
  at: number;
  kind: number;
  byte: number;
  len: number;
}
const mutations = fc.array(
  fc.record({
    at: fc.nat(),
    kind: fc.integer({ min: 0, max: 3 }),
    len: fc.integer({ min: 1, max: 9 }),
    // Now and then a byte that means something to msgpack or to the codec.
    byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xc1, 0xc9, 0xdd, 0xdf, 0xdb, 0xc6, 0xff, ...Object.values(EXT))),
  }),
  { minLength: 1, maxLength: 6 },
);

function mutate(src: Uint8Array, ms: Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 0 && b.length > 0) b[at] ^= 1 << (m.byte & 7);
    else if (m.kind === 1 && b.length > 0) b[at] = m.byte;
    else if (m.kind === 2) b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.len, m.byte), b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
  }
  return b;
}

const sample = { n: 1, s: 'still works', list: [1n, new Date(0)], m: new Map([[1, 'one']]) };
const sampleBytes = encode(sample);

/**
 * Decodes `bytes` as the hub server and a Listener's Connection do. Either gives a value (never
 * a Promise: an untrusted decode never waits for a module) or throws an Error with a code;
 * afterwards the codec still decodes a good message, outside any untrusted decode.
 */
function decodeHostile(bytes: Uint8Array): { value?: unknown; error?: Coded & { code: string } } {
  const outcome: { value?: unknown; error?: Coded & { code: string } } = {};
  for (const [what, run] of [
    ['decode', () => decode(bytes, { allowModules: false })],
    ['decodeFromPeer', () => decodeFromPeer(bytes)],
  ] as const) {
    try {
      const value = run();
      assert.ok(!(value instanceof Promise), `${what} returned a Promise for ${hex(bytes)}`);
      outcome.value = value;
    } catch (e) {
      assertCoded(e, bytes, what);
      outcome.error = e;
    }
  }
  assert.equal(decodingUntrusted(), false, 'an untrusted decode did not end');
  assert.deepEqual(decode(sampleBytes), sample, 'the codec is broken after decoding that input');
  return outcome;
}

const markerDir = mkdtempSync(path.join(os.tmpdir(), 'multiproc-fuzz-'));
const flags = ['__multiprocHostileModuleLoaded', '__multiprocHostileConstructed', '__multiprocHostileCalled', '__multiprocHostileThen', '__multiprocFuzzRan'];
function assertNothingRan(): void {
  const g = globalThis as Record<string, unknown>;
  for (const f of flags) assert.equal(g[f], undefined, `globalThis.${f} was set: code named in a message ran`);
  assert.deepEqual(readdirSync(markerDir), [], 'test/fixtures/hostile-module.mjs was imported');
}

describe('untrusted decode under fuzzing', () => {
  before(() => {
    process.env.MULTIPROC_MARKER_DIR = markerDir;
  });
  after(() => {
    try {
      assertNothingRan();
    } finally {
      delete process.env.MULTIPROC_MARKER_DIR;
      rmSync(markerDir, { recursive: true, force: true });
    }
  });

  test('random bytes: a value or an Error with a code, never a Promise; the codec works after', T, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeHostile(bytes);
      }),
      params(1500),
    );
  });

  test('every sendable value survives encode and an untrusted decode', T, () => {
    fc.assert(
      fc.property(sendable, (v) => {
        const { value, error } = decodeHostile(encode(v));
        assert.equal(error, undefined, error?.message);
        assert.deepEqual(value, v);
      }),
      params(400),
    );
  });

  test('valid messages with bytes flipped, overwritten, inserted or deleted: a value or a coded error', T, () => {
    fc.assert(
      fc.property(message, mutations, (v, ms) => {
        decodeHostile(mutate(encode(v), ms));
      }),
      params(1500),
    );
  });

  test('every truncation of a valid message throws a coded error', T, () => {
    fc.assert(
      fc.property(message, fc.nat(), (v, cut) => {
        const bytes = encode(v);
        const { error } = decodeHostile(bytes.subarray(0, cut % bytes.length));
        assert.ok(error, `a prefix of ${hex(bytes)} decoded`);
      }),
      params(600),
    );
  });

  /** `depth` levels of containers around null, cycling through `kinds` from the outside in. */
  function nested(kinds: string[], depth: number): Buffer {
    const heads: Record<string, Uint8Array> = {
      array: Uint8Array.of(0x91), // [x]
      object: Uint8Array.of(0x81, 0xa1, 0x6b), // { k: x }
      map: Uint8Array.of(0xd4, EXT.MAP, 0, 0x92, 0x01), // the codec's Map record of [1, x]
    };
    const parts: Uint8Array[] = [];
    for (let i = 0; i < depth; i++) parts.push(heads[kinds[i % kinds.length]!]!);
    parts.push(Uint8Array.of(0xc0));
    return Buffer.concat(parts);
  }

  test('nesting to any depth: a value or ERR_INVALID_MESSAGE, never a stack overflow escaping', T, () => {
    const kinds = fc.array(fc.constantFrom('array', 'object', 'map'), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(kinds, fc.integer({ min: 1, max: 200_000 }), (ks, depth) => {
        const { error } = decodeHostile(nested(ks, depth));
        if (error) assert.equal(error.code, 'ERR_INVALID_MESSAGE', error.message);
      }),
      params(60),
    );
  });

  test('a message nested 100,000 deep is refused with ERR_INVALID_MESSAGE; 500 deep decodes', () => {
    const deep = nested(['array'], 100_000);
    assert.throws(() => decode(deep, { allowModules: false }), { code: 'ERR_INVALID_MESSAGE', message: /nested too deeply/ });
    assert.throws(() => decodeFromPeer(deep), { code: 'ERR_INVALID_MESSAGE' });
    let v = decode(nested(['array'], 500), { allowModules: false });
    for (let i = 0; i < 500; i++) v = (v as unknown[])[0];
    assert.equal(v, null);
  });

  const shapes = fc.constantFrom<Shape>('instance', 'classNode', 'error', 'nested');
  const moduleUrl = fc.oneof(
    fc.constant(hostileModuleUrl),
    fc.constant('node:child_process'),
    fc.constant('data:text/javascript,globalThis.__multiprocFuzzRan=1'),
    fc.string({ maxLength: 20 }).map((s) => `file:///tmp/${encodeURIComponent(s)}.mjs`),
    fc.webUrl(),
    fc.string({ maxLength: 20 }),
  );
  const exportName = fc.oneof(fc.constantFrom('Evil', 'evil', 'default', 'then', 'constructor', '__proto__', 'prototype'), fc.string({ maxLength: 12 }));

  test('a message naming a module and export is refused (ERR_INVALID_MESSAGE when well formed); nothing is imported or run', T, () => {
    fc.assert(
      fc.property(moduleUrl, exportName, shapes, (m, e, shape) => {
        const { error } = decodeHostile(naming(exportRef(m, e), shape));
        assert.ok(error, 'a message naming a module this process never loaded decoded');
        // A well-formed reference says why; a malformed URL may fail earlier, with its own code.
        if (m === hostileModuleUrl) assert.equal(error.code, 'ERR_INVALID_MESSAGE', error.message);
      }),
      params(400),
    );
    assertNothingRan();
  });

  test('other class references (source text, registered names, garbage): a value or a coded error, nothing runs', T, () => {
    const source = fc.constantFrom(
      '() => { globalThis.__multiprocFuzzRan = 1 }',
      'function x() { globalThis.__multiprocFuzzRan = 1 }',
      'class { constructor() { globalThis.__multiprocFuzzRan = 1 } }',
    );
    const ref = fc.oneof(
      fc.record({ s: source, n: fc.string({ maxLength: 6 }), method: fc.boolean() }),
      fc.record({ r: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('multiproc.TimeoutError', 'multiproc.EOFError')) }),
      fc.record({ m: fc.oneof(fc.constant(hostileModuleUrl), fc.nat(), fc.constant(null)), e: fc.oneof(fc.string(), fc.nat(), fc.constant(null)) }, { requiredKeys: [] }),
      sendable,
    );
    fc.assert(
      fc.property(fc.array(ref, { minLength: 1, maxLength: 3 }), shapes, fc.boolean(), (refs, shape, cyclic) => {
        decodeHostile(naming(refs[0], shape));
        decodeHostile(manifest(refs, msgpack([{ a: 1 }, 'x']), cyclic));
      }),
      params(400),
    );
    assertNothingRan();
  });

  test('shared-object records of any type and state: a value or a coded error, and never a Connection', T, () => {
    const type = fc.oneof(
      fc.constantFrom(
        'multiproc.Connection',
        'multiproc.hub',
        'multiproc.SharedMemory',
        'multiproc.ShareableList',
        'multiproc.LockWords',
        'multiproc.Value',
        'multiproc.SharedArray',
        'multiproc.ShmEvent',
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(type, sendable, (t, state) => {
        const { error } = decodeHostile(shared(t, state));
        if (t === 'multiproc.Connection') assert.equal(error?.code, 'ERR_INVALID_MESSAGE');
      }),
      params(400),
    );
  });

  test('msgpack read outside decode() (a channel envelope) never revives a shared object', T, () => {
    // msgpackr's extensions are global: the hub reads each frame's envelope with its own Packr.
    const envelope = new Packr({ useRecords: false, structuredClone: false });
    const shm = new SharedMemory({ create: true, size: 16 });
    try {
      const framed = Buffer.concat([Uint8Array.of(0x92, 0x02), shared('multiproc.SharedMemory', shm.name)]); // [2, <record>]
      assert.throws(() => envelope.unpack(framed), { code: 'ERR_INVALID_MESSAGE', message: /only decode\(\) revives shared objects/ });
      // decode() attaches by name, as designed.
      const attached = decode(shared('multiproc.SharedMemory', shm.name), { allowModules: false }) as SharedMemory;
      assert.equal(attached.name, shm.name);
      attached.close();
    } finally {
      shm.close();
      shm.unlink();
    }
    const type = fc.constantFrom('multiproc.Connection', 'multiproc.hub', 'multiproc.SharedMemory', 'multiproc.LockWords', 'multiproc.Value');
    fc.assert(
      fc.property(type, sendable, (t, state) => {
        // Refused at the record (ERR_INVALID_MESSAGE), or earlier by msgpackr for a state it cannot read.
        assert.throws(() => envelope.unpack(Buffer.concat([Uint8Array.of(0x91), shared(t, state)])));
      }),
      params(200),
    );
  });

  test('records of the codec with random contents: a value or a coded error', T, () => {
    const contents = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      sendable.map((v) => msgpack(v)),
    );
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(EXT)), contents, (type, data) => {
        for (const bytes of [ext(type, data), Buffer.concat([Buffer.from([0xd4, type, 0]), data])]) {
          decodeHostile(bytes);
          decodeHostile(Buffer.concat([Buffer.from([0x92]), bytes, Buffer.from([0xc0])])); // inside an array
        }
      }),
      params(600),
    );
  });
});
