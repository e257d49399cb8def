// Builds the package: the ES module bundle (esbuild) and its declarations (tsc) into dist/esm,
// and the CommonJS entry into dist/cjs. The CommonJS entry only require()s the ES module build
// (require(esm), Node >= 20.19), so a program that uses both entries holds one copy of the
// library: one set of registries, and `instanceof` holds across them.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

// The compiler is TypeScript 7, installed as `typescript7`: the name `typescript` holds 6.0, whose
// JavaScript API typescript-eslint needs (docs/design.md, "Lint and format").
const tsc = path.join(path.dirname(require.resolve('typescript7/package.json')), 'bin', 'tsc');
// Declarations only: per-file JavaScript would be a second copy of the library nothing should load.
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json'), '--emitDeclarationOnly', '--sourceMap', 'false'], { stdio: 'inherit', cwd: root });

const esbuild = require('esbuild');
const msgpackrPlain = path.join(path.dirname(require.resolve('msgpackr')), '..', 'index.js');
// The runtime ships as two ES module bundles sharing one chunk: dist/esm/index.js (what users
// import) and dist/esm/bootstrap.js (what every worker runs first). A program or a worker
// loads a few files instead of ~40 (import 45 -> ~15 ms, worker start-up 60 -> 16 ms), and
// inside a worker the user's `import 'multiproc'` and the bootstrap are the same instance.
// dist/esm/internal.js (what tests call directly) is one more entry of the same bundle.
esbuild.buildSync({
  entryPoints: {
    index: path.join(root, 'src', 'index.ts'),
    internal: path.join(root, 'src', 'internal.ts'),
    bootstrap: path.join(root, 'src', 'entry', 'bootstrap.ts'),
    'hub-thread': path.join(root, 'src', 'entry', 'hub-thread.ts'),
    tracker: path.join(root, 'src', 'entry', 'tracker.ts'),
    // The `multiproc` command, and the module a cluster worker's pool processes run tasks from.
    cli: path.join(root, 'src', 'cluster', 'cli.ts'),
    'cluster-task': path.join(root, 'src', 'cluster', 'run-task.ts'),
  },
  outdir: path.join(dist, 'esm'),
  entryNames: '[name]',
  chunkNames: 'shared-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // bullmq/ioredis/cli-progress are optional peers: loaded from the user's node_modules, on first use.
  external: ['acorn', 'tsx', 'msgpackr-extract', 'bullmq', 'ioredis', 'cli-progress'],
  // msgpackr's plain entry: its native string extractor (msgpackr-extract) takes ~10 ms to load
  // in every worker and only pays off for megabytes of strings.
  alias: { msgpackr: msgpackrPlain },
  sourcemap: true,
  logLevel: 'warning',
});
// What a worker of a program under tsx registers to import its .ts modules (runtime/ts-loader.ts):
// one file of its own (no shared chunk), loaded by the hooks thread.
esbuild.buildSync({
  entryPoints: { 'ts-hooks': path.join(root, 'src', 'entry', 'ts-hooks.mjs') },
  outdir: path.join(dist, 'esm'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
mkdirSync(path.join(dist, 'cjs'), { recursive: true });
writeFileSync(path.join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
writeFileSync(
  path.join(dist, 'cjs', 'index.cjs'),
  ['// The CommonJS entry: the ES module build itself (require(esm)), so both entries are one library.', "'use strict';", "module.exports = require('../esm/index.js');", ''].join(
    '\n',
  ),
);
writeFileSync(path.join(dist, 'cjs', 'index.d.cts'), "export * from '../esm/index.js';\n");
// package.json `bin`: the `multiproc` command (worker, status).
mkdirSync(path.join(dist, 'bin'), { recursive: true });
writeFileSync(path.join(dist, 'bin', 'multiproc.js'), "#!/usr/bin/env node\nimport '../esm/cli.js';\n");
chmodSync(path.join(dist, 'bin', 'multiproc.js'), 0o755);
