// What `npm pack` ships: what runs (the ES module bundle and its chunks, the CommonJS entry,
// declarations), the addon's sources with its install script, the prebuilt addons, LICENSE
// and README; nothing else (no per-file compiler output, source maps, tests or internals).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { supportedMajors } from '../scripts/node-major.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// --ignore-scripts: packing must not rebuild dist/ under other tests (prepare runs the build).
const packed = (
  JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] })) as {
    files: { path: string }[];
  }[]
)[0]!.files
  .map((f) => f.path)
  .sort();

describe('npm pack', () => {
  it('ships exactly what runs, the addon sources and install script, prebuilds, LICENSE and README', () => {
    const notDeclarations = packed.filter((f) => !f.endsWith('.d.ts'));
    // dist/esm/*.js are the bundle's entries and shared chunks only (no per-file compiler output);
    // internal.js is the tests' entry.
    const bundle = readdirSync(path.join(root, 'dist', 'esm'))
      .filter((f) => f.endsWith('.js') && f !== 'internal.js')
      .map((f) => `dist/esm/${f}`);
    for (const entry of ['index', 'bootstrap', 'hub-thread', 'tracker']) assert.ok(bundle.includes(`dist/esm/${entry}.js`), `${entry}.js is built`);
    const record = JSON.parse(readFileSync(path.join(root, 'prebuilds', 'source.json'), 'utf8')) as { builds: Record<string, string> };
    assert.equal(Object.keys(record.builds).length, supportedMajors.length);
    const expected = [
      'LICENSE',
      'README.md',
      'package.json',
      'binding.gyp',
      ...readdirSync(path.join(root, 'native')).map((f) => `native/${f}`),
      'scripts/addon.mjs',
      'scripts/build-native.mjs',
      'prebuilds/source.json',
      ...Object.keys(record.builds).map((abi) => `prebuilds/linux-x64/multiproc.abi${abi}.node`),
      'dist/cjs/index.cjs',
      'dist/cjs/index.d.cts',
      'dist/cjs/package.json',
      // The `multiproc` command (package.json bin): worker and status of the cluster context.
      'dist/bin/multiproc.js',
      ...bundle,
    ].sort();
    assert.deepEqual(notDeclarations, expected);
    assert.ok(packed.includes('dist/esm/index.d.ts'));
    assert.ok(!packed.includes('dist/esm/internal.d.ts'), 'test internals are not shipped');
  });

  it('every module a shipped file imports is shipped too', () => {
    const shipped = new Set(packed);
    for (const file of packed.filter((f) => /\.(m?js|cjs)$/.test(f) && f.startsWith('dist/'))) {
      const text = readFileSync(path.join(root, file), 'utf8');
      const relative = [...text.matchAll(/(?:from\s*|import\(\s*|require\(\s*|new URL\(\s*)["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!);
      for (const rel of relative) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), rel));
        // The addon loader's package-root probes (../../build, prebuilds) are not modules.
        if (!/\.(m?js|cjs|json)$/.test(target)) continue;
        assert.ok(shipped.has(target), `${file} imports ${rel}, which is not shipped`);
      }
    }
  });

  it('the shipped LICENSE is MIT, as package.json says', () => {
    assert.equal((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { license: string }).license, 'MIT');
    assert.match(readFileSync(path.join(root, 'LICENSE'), 'utf8'), /^MIT License/);
  });

  it("the README's first example runs as shown, with multiproc installed beside it", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    assert.match(readme, /^# multiproc\n[^#]*```sh\nnpm install multiproc\n```/, 'the README opens with npm install multiproc');
    const example = /```js\n([\s\S]*?)```/.exec(readme)![1]!;
    assert.ok(example.split('\n').filter((l) => l.trim() && !l.startsWith('//')).length <= 10, 'about ten lines');
    assert.doesNotMatch(example, /await using/, 'plain JavaScript on Node 20 and 22 has no await using');
    const dir = mkdtempSync(path.join(tmpdir(), 'mp-readme-'));
    try {
      mkdirSync(path.join(dir, 'node_modules'));
      symlinkSync(root, path.join(dir, 'node_modules', 'multiproc'));
      writeFileSync(path.join(dir, 'squares.mjs'), example);
      const r = spawnSync(process.execPath, ['squares.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '[ 1, 4, 9 ]\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
