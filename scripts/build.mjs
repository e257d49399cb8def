// Builds the package: ESM with types (tsc) into dist/esm, and a CommonJS entry (esbuild bundle
// of the same sources) into dist/cjs. Workers always run the ESM bootstrap; both entries share
// their runtime state through globalThis, so mixing them in one program is safe.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });

const esbuild = require('esbuild');
const msgpackrPlain = path.join(path.dirname(require.resolve('msgpackr')), '..', 'index.js');
// The runtime ships as two ES module bundles sharing one chunk: dist/esm/index.js (what users
// import) and dist/esm/bootstrap.js (what every worker runs first). A program or a worker
// loads a few files instead of ~40 (import 45 -> ~15 ms, worker start-up 60 -> 16 ms), and
// inside a worker the user's `import 'multiproc'` and the bootstrap are the same instance.
// tsc's per-file output stays beside them for the declarations.
esbuild.buildSync({
  entryPoints: { index: path.join(root, 'src', 'index.ts'), bootstrap: path.join(root, 'src', 'runtime', 'bootstrap.ts'), 'hub-thread': path.join(root, 'src', 'hub', 'hub-thread.ts'), tracker: path.join(root, 'src', 'shm', 'tracker-main.ts'),
    // The `multiproc` command, and the module a cluster worker's pool processes run tasks from.
    cli: path.join(root, 'src', 'cluster', 'cli.ts'), 'cluster-task': path.join(root, 'src', 'cluster', 'run-task.ts') },
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
mkdirSync(path.join(dist, 'cjs'), { recursive: true });
writeFileSync(path.join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
esbuild.buildSync({
  entryPoints: [path.join(root, 'src', 'index.ts')],
  outfile: path.join(dist, 'cjs', 'index.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['msgpackr', 'acorn', 'tsx', 'bullmq', 'ioredis', 'cli-progress'],
  // import.meta.url stands for dist/esm/index.js, so the bundle finds the ESM bootstrap beside it.
  define: { 'import.meta.url': '__multiprocImportMetaUrl', 'import.meta.resolve': '__multiprocImportMetaResolve' },
  banner: { js: [
    "const __multiprocImportMetaUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', 'esm', 'index.js')).href;",
    "const __multiprocImportMetaResolve = (s) => require('node:url').pathToFileURL(require.resolve(s)).href;",
  ].join('\n') },
  logLevel: 'warning',
});
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json'), '--emitDeclarationOnly', '--outDir', path.join(dist, 'cjs', 'types'), '--sourceMap', 'false'], { stdio: 'inherit', cwd: root });
writeFileSync(path.join(dist, 'cjs', 'index.d.cts'), "export * from './types/index.js';\n");
// package.json `bin`: the `multiproc` command (worker, status).
mkdirSync(path.join(dist, 'bin'), { recursive: true });
writeFileSync(path.join(dist, 'bin', 'multiproc.js'), "#!/usr/bin/env node\nimport '../esm/cli.js';\n");
chmodSync(path.join(dist, 'bin', 'multiproc.js'), 0o755);
