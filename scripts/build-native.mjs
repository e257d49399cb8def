// Builds the native addon (native/multiproc.cc -> build/Release/multiproc.node) with node-gyp,
// against the Node headers npm is configured with (nodedir), so nothing is downloaded.
// A failed build is not fatal: the thread context works without it, and the process
// context's shared memory then says so (ERR_SHARED_MEMORY_UNAVAILABLE) with how to fix it.
// `--if-stale`: skip when the addon is newer than its source (npm test builds every run).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'native', 'multiproc.cc');
const addon = path.join(root, 'build', 'Release', 'multiproc.node');

if (process.argv.includes('--if-stale') && existsSync(addon) && statSync(addon).mtimeMs >= statSync(source).mtimeMs) process.exit(0);
if (process.platform !== 'linux') {
  console.warn('multiproc: the native addon is Linux-only; skipping it (the thread context works without it)');
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [];
  // Run by npm: its own node-gyp sits beside npm-cli.js.
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try { candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js')); } catch { /* not installed locally */ }
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}

const gyp = findNodeGyp();
if (!gyp) {
  console.warn('multiproc: node-gyp not found; the native addon was not built (process-context shared memory unavailable)');
  process.exit(0);
}
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node.h') ? '/usr' : undefined);
const args = [gyp, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
try {
  execFileSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  // node-gyp talks on stderr even when it works: show it only when the build failed.
  process.stderr.write(String(e.stderr ?? ''));
  console.warn(`multiproc: building the native addon failed; process-context shared memory is unavailable until it builds (npm rebuild multiproc)`);
}
