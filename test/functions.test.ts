// Unit tests of function references (src/functions): which functions travel by reference, which
// as source, and which are refused at once. Run after `npm run build`.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';
import { toFnRef } from '../dist/esm/internal.js';
import { resolveFnRef } from '../dist/esm/internal.js';
import defaultFn, { square, double, renamed } from './fixtures/unit/fns.ts';
import mjsDefault, { fromMjs } from './fixtures/unit/fns.mjs';
import { square as reexportedSquare } from './fixtures/unit/reexport.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => pathToFileURL(path.join(here, 'fixtures', 'unit', name)).href;
const require = createRequire(import.meta.url);
const cjs = require('./fixtures/unit/fns.cjs') as { triple: (x: number) => number; quad: (x: number) => number; addBase: (x: number) => number };
const single = require('./fixtures/unit/single.cjs') as (x: string) => string;

type Coded = Error & { code?: string };
type ExportRef = { m: string; e: string; n: string };
type SourceRef = { s: string; n: string; method: boolean };

function assertExportRef(ref: unknown, m: string, e: string): void {
  assert.ok(ref && typeof ref === 'object', 'a reference object');
  const r = ref as ExportRef;
  assert.equal(r.m, m, 'module URL');
  assert.equal(r.e, e, 'export name');
  assert.ok(!('s' in r), 'an export travels by reference, not as source');
}

/** Asserts `fn` throws a TypeError ERR_NOT_TRANSFERABLE whose message contains every part. */
function assertNotTransferable(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: Coded) => {
    assert.ok(e instanceof TypeError, `expected TypeError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.code, 'ERR_NOT_TRANSFERABLE');
    for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} should contain ${JSON.stringify(p)}`);
    return true;
  });
}

// An export of this very test module (the caller's own file).
export function exportedHere(x: number): number {
  return x - 1;
}

describe('toFnRef: exports travel by reference', () => {
  test('exported function declaration (.ts fixture)', async () => {
    const ref = toFnRef(square, 'target');
    assertExportRef(ref, fixture('fns.ts'), 'square');
    const fn = await resolveFnRef(ref);
    assert.equal(fn, square, 'the reference resolves to the same export');
    assert.equal(fn(7), 49);
  });

  test('exported const arrow', async () => {
    const ref = toFnRef(double, 'fn');
    assertExportRef(ref, fixture('fns.ts'), 'double');
    assert.equal(await resolveFnRef(ref), double);
  });

  test("export { local as renamed } uses the export name 'renamed'", async () => {
    const ref = toFnRef(renamed, 'fn');
    assertExportRef(ref, fixture('fns.ts'), 'renamed');
    assert.equal(await resolveFnRef(ref), renamed);
  });

  test('export default function', async () => {
    const ref = toFnRef(defaultFn, 'fn');
    assertExportRef(ref, fixture('fns.ts'), 'default');
    const fn = await resolveFnRef(ref);
    assert.equal(fn, defaultFn);
    assert.equal(fn(3), -3);
  });

  test('.mjs fixture: named export and anonymous default arrow', async () => {
    const ref = toFnRef(fromMjs, 'fn');
    assertExportRef(ref, fixture('fns.mjs'), 'fromMjs');
    assert.equal(await resolveFnRef(ref), fromMjs);

    const dref = toFnRef(mjsDefault, 'fn');
    assertExportRef(dref, fixture('fns.mjs'), 'default');
    assert.equal(await resolveFnRef(dref), mjsDefault);
  });

  test("CommonJS module's exports (loaded with createRequire)", async () => {
    const t = toFnRef(cjs.triple, 'fn');
    assertExportRef(t, fixture('fns.cjs'), 'triple');
    const q = toFnRef(cjs.quad, 'fn');
    assertExportRef(q, fixture('fns.cjs'), 'quad');
    const fn = await resolveFnRef(t);
    assert.equal(fn(5), 15);
  });

  test('a CommonJS export that uses module-level state still travels by reference', async () => {
    const ref = toFnRef(cjs.addBase, 'fn');
    assertExportRef(ref, fixture('fns.cjs'), 'addBase');
    assert.equal((await resolveFnRef(ref))(1), 11);
  });

  test('CommonJS module whose module.exports is the function', async () => {
    const ref = toFnRef(single, 'fn');
    assertExportRef(ref, fixture('single.cjs'), 'default');
    const fn = await resolveFnRef(ref);
    assert.equal(fn('x'), 'single:x');
  });

  test('a function imported from another module points at its defining module, not the caller', () => {
    const ref = toFnRef(reexportedSquare, 'fn') as ExportRef;
    assert.equal(reexportedSquare, square);
    assertExportRef(ref, fixture('fns.ts'), 'square');
    assert.notEqual(ref.m, import.meta.url);
  });

  test("an export of the caller's own file", () => {
    assertExportRef(toFnRef(exportedHere, 'fn'), import.meta.url, 'exportedHere');
  });

  test('references are stable across calls', () => {
    assert.deepEqual(toFnRef(square, 'a'), toFnRef(square, 'b'));
  });
});

describe('toFnRef: self-contained functions travel as source', () => {
  test('an inline arrow with no free variables', async () => {
    const f = (x: number) => x * 2;
    const ref = toFnRef(f, 'fn') as SourceRef;
    assert.equal(typeof ref.s, 'string');
    assert.ok(!('m' in ref), 'a source reference names no module');
    assert.match(ref.s, /x\s*\*\s*2/);
    const rebuilt = await resolveFnRef(ref);
    assert.notEqual(rebuilt, f, 'rebuilt from source');
    assert.equal(rebuilt(21), 42);
  });

  test('globals and its own locals are not free variables', async () => {
    const f = (xs: number[]) => {
      const m = Math.max(...xs);
      return JSON.stringify({ m, n: Number.isFinite(m) });
    };
    const ref = toFnRef(f, 'fn') as SourceRef;
    assert.equal(typeof ref.s, 'string');
    assert.equal((await resolveFnRef(ref))([1, 5, 2]), '{"m":5,"n":true}');
  });
});

describe('toFnRef: refused at the call', () => {
  test('a closure over a local variable names the function, the file, the variable and says to export it', () => {
    function makeScaler() {
      const factor = 3;
      return function scaleBy(x: number) {
        return x * factor;
      };
    }
    const scaleBy = makeScaler();
    assertNotTransferable(() => toFnRef(scaleBy, 'target'), 'scaleBy', 'functions.test.ts', 'factor', 'export');
  });

  test('an arrow closing over a local variable', () => {
    const offset = 10;
    const addOffset = (x: number) => x + offset;
    assertNotTransferable(() => toFnRef(addOffset, 'fn'), 'addOffset', 'offset', 'export');
  });

  test('a bound function', () => {
    assertNotTransferable(() => toFnRef(square.bind(null), 'fn'), 'square', 'bound');
    const boundArrow = ((x: number) => x).bind(undefined);
    assertNotTransferable(() => toFnRef(boundArrow, 'fn'));
  });

  test('a class method reached through an instance (obj.method)', () => {
    class Greeter {
      constructor(readonly greeting: string) {}
      greet(name: string): string {
        return `${this.greeting}, ${name}`;
      }
    }
    const obj = new Greeter('hi');
    assertNotTransferable(() => toFnRef(obj.greet, 'fn'), 'greet');
  });

  test('an arrow using `this` of its surroundings', function (this: { factor: number }) {
    assertNotTransferable(() => toFnRef((x: number) => x * (this as { factor: number }).factor, 'fn'), 'this');
  });

  test('a name declared only in an inner function is still free in the outer one', () => {
    const factor = 2;
    void factor;
    const shadow = (x: number) => {
      function inner() {
        const factor = 3;
        return factor;
      }
      return x * factor + inner();
    };
    assertNotTransferable(() => toFnRef(shadow, 'fn'), 'factor');
  });

  test('a non-function is ERR_INVALID_ARG_TYPE', () => {
    for (const v of [42, 'square', null, undefined, { square }, [square]]) {
      assert.throws(
        () => toFnRef(v, 'target'),
        (e: Coded) => {
          assert.ok(e instanceof TypeError);
          assert.equal(e.code, 'ERR_INVALID_ARG_TYPE');
          assert.ok(e.message.includes('target'), 'the message names the argument');
          return true;
        },
      );
    }
  });
});
