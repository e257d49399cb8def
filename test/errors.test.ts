// The error catalogue (src/errors/) is the one list of codes: every ERR_ code written in src/
// is in it, every entry is used, every factory makes its class with its code, and
// docs/errors.md is what the catalogue renders (regenerate it when this fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors, errorGroups as catalogueGroups, allCodes as catalogueCodes } from '../src/errors.ts';
import { AuthenticationError, BufferTooShort, EOFError, ProcessError, RemoteError, TimeoutError, WorkerLostError } from '../src/errors.ts';
import type { ErrorGroup } from '../src/errors.ts';

// A plain script without declarations: its two exports, typed here.
const generator: string = '../scripts/gen-errors-doc.mjs';
const { docPath, renderErrorsDoc } = (await import(generator)) as { docPath: string; renderErrorsDoc: (groups: readonly ErrorGroup[]) => string };

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, 'src');
// The catalogue's own files define the codes; everything else in src/ uses them.
const CATALOGUE_FILES = new Set(
  ['arguments.ts', 'transfer.ts', 'processes.ts', 'pools.ts', 'connections.ts', 'shared-objects.ts', 'shared-memory.ts', 'cluster.ts', 'catalogue.ts', 'define.ts'].map((f) =>
    path.join(src, 'errors', f),
  ),
);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : /\.m?ts$|\.mjs$/.test(d.name) ? [p] : [];
  });
}

const errorGroups = catalogueGroups();
const allCodes = catalogueCodes();
const users = sources(src)
  .filter((f) => !CATALOGUE_FILES.has(f))
  .map((file) => ({ file, text: readFileSync(file, 'utf8') }));

/** ERR_ codes written as string literals ('ERR_X', "ERR_X", `ERR_X`) in src/, outside the catalogue. */
function codeLiterals(): { code: string; where: string }[] {
  const found: { code: string; where: string }[] = [];
  for (const { file, text } of users) {
    text.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/(['"`])(ERR_[A-Z0-9_]+)\1/g)) found.push({ code: m[2]!, where: `${path.relative(root, file)}:${i + 1}` });
    });
  }
  return found;
}

const camel = (code: string) =>
  code
    .slice(4)
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

test('every ERR_ code written in src/ is in the error catalogue', () => {
  const literals = codeLiterals();
  assert.ok(literals.length > 0, "the scan finds the classes' own codes at least");
  const missing = literals.filter((l) => !allCodes.has(l.code));
  assert.deepEqual(missing, [], 'add these codes to the catalogue in src/errors/ (with meaning and fix), then run node --import tsx scripts/gen-errors-doc.mjs');
});

test('every entry of the error catalogue is used in src/', () => {
  const all = users.map((u) => u.text).join('\n');
  const unused = errorGroups.flatMap((g) => g.entries).filter((e) => !all.includes(`'${e.code}'`) && !new RegExp(`\\berrors\\.${camel(e.code)}\\b`).test(all));
  assert.deepEqual(
    unused.map((e) => e.code),
    [],
    'remove codes nothing throws or recognizes any more',
  );
});

test('the error catalogue: one entry per code, named after it, with a meaning and a fix', () => {
  const entries = errorGroups.flatMap((g) => g.entries);
  assert.equal(allCodes.size, entries.length, 'a code is listed twice');
  for (const e of entries) {
    assert.match(e.code, /^ERR_[A-Z0-9_]+$/);
    assert.ok(e.meaning.length > 20 && /[.)]$/.test(e.meaning), `${e.code}: meaning`);
    assert.ok(e.fix.length > 10 && /[.)]$/.test(e.fix), `${e.code}: fix`);
  }
  for (const [name, f] of Object.entries(errors)) {
    assert.equal(name, camel(f.code), `the factory of ${f.code} is named ${camel(f.code)}`);
    assert.ok(allCodes.has(f.code) && f.entry.origin === 'multiproc');
  }
  const made = new Set<string>(Object.values(errors).map((f) => f.code));
  assert.deepEqual(
    entries.filter((e) => !made.has(e.code) && e.origin !== 'node').map((e) => e.code),
    [],
    'every code the library makes has a factory',
  );
});

test('each factory makes its class with its code, the message given and an optional cause', () => {
  const classes: Record<string, Function> = {
    Error,
    TypeError,
    RangeError,
    ProcessError,
    AuthenticationError,
    TimeoutError,
    WorkerLostError,
    BufferTooShort,
    EOFError,
    RemoteError,
  };
  const exit = { exitCode: 3, signal: null };
  for (const f of Object.values(errors)) {
    const make = f as (message: string, extra?: unknown) => Error & { code: string };
    const extra = f.entry.className === 'WorkerLostError' ? exit : f.entry.className === 'BufferTooShort' ? Buffer.from('abc') : undefined;
    const err = make('what to do', extra);
    assert.ok(err instanceof classes[f.entry.className]!, `${f.code} is a ${f.entry.className}`);
    assert.equal(err.name, f.entry.className);
    assert.equal(err.message, 'what to do');
    assert.equal(err.code, f.code);
    assert.ok(!('cause' in err), `${f.code}: no cause unless given`);
    for (const other of f.entry.also) {
      const alt = (f as (m: string, o: { as: string }) => Error & { code: string })('x', { as: other });
      assert.equal(alt.name, other);
      assert.equal(alt.code, f.code);
    }
  }
  const cause = new Error('EMFILE');
  assert.equal(errors.workerStart('could not start', { cause }).cause, cause);
  assert.equal(errors.invalidMessage('bad', { cause }).cause, cause);
  const lost = errors.workerOutOfMemory('ran out', { exitCode: null, signal: 'SIGABRT' });
  assert.equal(lost.signal, 'SIGABRT');
  assert.deepEqual([...errors.bufferTooShort('short', Buffer.from('abc')).data], [97, 98, 99]);
});

test('docs/errors.md is generated from the catalogue and up to date', () => {
  const expected = renderErrorsDoc(errorGroups);
  const current = readFileSync(docPath, 'utf8');
  assert.equal(current, expected, 'docs/errors.md is out of date: run node --import tsx scripts/gen-errors-doc.mjs');
  for (const code of allCodes) assert.ok(current.includes(`### ${code}\n`), `${code} has a section`);
});
