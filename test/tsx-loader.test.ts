// Workers of a program run under tsx import its .ts modules without tsx: through the small
// hooks of src/functions/ts-loader.ts (transformed once, cached by content), or through tsx
// itself where those hooks would not do what tsx does (tsconfig `paths`, CommonJS TypeScript,
// MULTIPROC_TS_LOADER=tsx). Each program runs with its own TMPDIR, so the cache it fills is seen.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contexts } from './helpers.ts';

const root = fileURLToPath(new URL('./programs/ts-loader/', import.meta.url));

function run(dir: string, context: string, env: Record<string, string> = {}): { stdout: string; stderr: string; status: number | null; cached: string[] } {
  const tmp = mkdtempSync(path.join(tmpdir(), 'mp-tsl-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts', context], {
    cwd: path.join(root, dir),
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TMPDIR: tmp, ...env },
  });
  const cacheDir = readdirSync(tmp).find((d) => d.startsWith('multiproc-ts-'));
  const cached = cacheDir ? readdirSync(path.join(tmp, cacheDir)) : [];
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, cached };
}

for (const context of contexts) {
  describe(`TypeScript workers under tsx (${context})`, () => {
    it('the small hooks: .js specifiers naming .ts files, enums, parameter properties, .ts lines in stacks', () => {
      const first = run('esm', context);
      assert.equal(first.status, 0, first.stderr);
      assert.equal(first.stdout, 'work Square 9 2\nboom boom in work true\nshadow top-level shadow / nested shadow\n');
      // work.ts and shapes.ts, transformed once each (only .ts files pass through the cache).
      assert.equal(first.cached.filter((f) => f.endsWith('.json')).length, 2, first.cached.join(' '));
    });

    it('MULTIPROC_TS_LOADER=tsx makes the workers use tsx itself', () => {
      const r = run('esm', context, { MULTIPROC_TS_LOADER: 'tsx' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'work Square 9 2\nboom boom in work true\nshadow top-level shadow / nested shadow\n');
      assert.deepEqual(r.cached, []);
    });

    it('tsconfig `paths`: the workers use tsx, which maps them', () => {
      const r = run('paths', context);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'paths 12\n');
      assert.deepEqual(r.cached, []);
    });

    it('TypeScript in a CommonJS package: the workers use tsx, which loads it as CommonJS', () => {
      const r = run('cjs', context);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'cjs 5 string\n');
      assert.deepEqual(r.cached, []);
    });

    it('an ES worker module importing CommonJS TypeScript: ERR_TS_COMMONJS_MODULE names the fix, which works', () => {
      const hooks = run('mixed', context);
      assert.equal(hooks.status, 0, hooks.stderr);
      assert.equal(hooks.stdout, 'mixed ERR_TS_COMMONJS_MODULE true\n');
      const tsx = run('mixed', context, { MULTIPROC_TS_LOADER: 'tsx' });
      assert.equal(tsx.status, 0, tsx.stderr);
      assert.equal(tsx.stdout, 'mixed 8\n');
    });
  });
}

it('the hooks ship in the build beside the bootstrap', () => {
  assert.ok(existsSync(fileURLToPath(new URL('../dist/esm/ts-hooks.js', import.meta.url))));
});
