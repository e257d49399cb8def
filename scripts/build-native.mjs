// The install step for the native addon (native/multiproc.cc). Compiles only when no prebuild
// fits: a prebuild fits when it was made for this Node's ABI from these very sources
// (prebuilds/source.json) and loads. Otherwise node-gyp builds build/Release/multiproc.node
// against the headers of the Node running this script (never another Node's, see
// addon.mjs headersFor) and records what it was built from beside it, which the loader
// (src/native/addon.ts) checks.
// A failed build is not fatal: the thread context works without it, and the process context
// refuses at the call with ERR_SHARED_MEMORY_UNAVAILABLE saying why and how to fix it.
// `--if-stale` (npm run build): skip when build/ already holds a build for this ABI and sources.
// `--from-source`: compile even when a prebuild fits.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { compile, headersFor, prebuildFile, prebuildRecord, root, sourceHash } from './addon.mjs';

const built = path.join(root, 'build', 'Release', 'multiproc.node');
const builtRecord = path.join(root, 'build', 'Release', 'multiproc.json');

if (process.platform !== 'linux') {
  console.warn(`multiproc: the native addon is Linux-only; not built on ${process.platform} (the thread context works without it)`);
  process.exit(0);
}
const abi = process.versions.modules;
const hash = sourceHash();
const readJson = (f) => {
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return null;
  }
};
const loads = (f) => {
  try {
    createRequire(import.meta.url)(f);
    return true;
  } catch {
    return false;
  }
};

const fromSource = process.argv.includes('--from-source');
if (!fromSource) {
  const record = readJson(prebuildRecord);
  if (record?.hash === hash && existsSync(prebuildFile(abi)) && loads(prebuildFile(abi))) process.exit(0);
}
if (process.argv.includes('--if-stale') && !fromSource) {
  const record = readJson(builtRecord);
  if (record?.hash === hash && record?.abi === abi && existsSync(built)) process.exit(0);
}
const version = process.versions.node;
const nodedir = headersFor(process.execPath, version);
try {
  compile({ nodedir });
  writeFileSync(builtRecord, `${JSON.stringify({ hash, abi, node: version }, null, 2)}\n`);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  console.warn(
    `multiproc: building the native addon failed; process-context shared memory is unavailable until it builds ` +
      `(npm rebuild multiproc; needs python3, make and a C++ compiler)`,
  );
}
