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
// Node's built-ins reach the bundle through small modules of our own rather than their ES module
// facades. A facade reads every export of its module when a worker imports it, which runs lazy
// getters (node:util loads parseArgs and MIME, node:fs its streams), and node:crypto and
// node:perf_hooks load a few dozen internal modules that a worker thread, which has no start-up
// snapshot of them, compiles on the spot. Here a module gets only the exports the bundle uses
// (each a pure pick, dropped when unused), and crypto and perf_hooks load at their first call.
// The export names are those of the Node that builds; process.getBuiltinModule: Node >= 20.16.
const LAZY_BUILTINS = new Set(['node:crypto', 'node:perf_hooks']);
const ident = /^[A-Za-z_$][\w$]*$/;
function builtinModule(id) {
  const mod = require(id);
  const names = Object.keys(mod).filter((k) => ident.test(k) && k !== 'default');
  const lines = [`// ${id} without its ES module facade (scripts/build.mjs)`, `const load = () => process.getBuiltinModule(${JSON.stringify(id)});`];
  if (LAZY_BUILTINS.has(id)) {
    lines.push('const pick = (k) => load()[k];');
    for (const k of names) {
      const value = Object.getOwnPropertyDescriptor(mod, k);
      const fn = value && 'value' in value && typeof value.value === 'function' && !/^[A-Z]/.test(k);
      lines.push(fn ? `export function ${k}(...a) { return load().${k}(...a); }` : `export const ${k} = /* @__PURE__ */ pick(${JSON.stringify(k)});`);
    }
  } else {
    lines.push('const m = load();', 'const pick = (k) => m[k];', 'export default m;');
    for (const k of names) lines.push(`export const ${k} = /* @__PURE__ */ pick(${JSON.stringify(k)});`);
  }
  return lines.join('\n');
}
const builtinsPlugin = {
  name: 'builtins-without-facades',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-builtin' }));
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (a) => ({ contents: builtinModule(a.path), loader: 'js' }));
  },
};

await esbuild.build({
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
  plugins: [builtinsPlugin],
  sourcemap: true,
  logLevel: 'warning',
});
// What a worker of a program under tsx registers to import its .ts modules (functions/ts-loader.ts):
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
