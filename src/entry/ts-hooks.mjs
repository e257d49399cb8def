// Module hooks a worker registers (node:module register) to import the TypeScript modules of a
// program that runs under tsx, instead of registering tsx itself: tsx costs a worker ~300 ms of
// CPU (its hooks, esbuild loaded twice, the library's own modules passed through its hooks),
// these ~90 ms (the hooks thread alone). Each .ts module is transformed once by esbuild (the
// one tsx brings) into a cache file named by a hash of its content, shared by every later
// worker and program run; a hit reads a file, a miss starts esbuild in this hooks thread.
// docs/design.md, "Start".
// Plain JavaScript: the hooks thread has no TypeScript loader to read this file with.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {{ cacheDir: string, esbuild: string, target: string }} */
let options;
/** @type {Promise<typeof import('esbuild')> | undefined} */
let esbuild;

/** @param {{ cacheDir: string, esbuild: string, target: string }} data */
export function initialize(data) {
  options = data;
}

const TS = /\.(ts|tsx|mts)$/;
// TypeScript's convention: `./x.js` in a .ts module names x.ts (as tsx resolves it).
const ALTERNATIVES = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '': ['.ts', '.tsx', '/index.ts', '/index.tsx'] };

/**
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(s: string, c: object) => Promise<{ url: string }>} next
 */
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier.startsWith('file:');
    if (!relative || !context.parentURL?.startsWith('file:')) throw e;
    const ext = path.extname(specifier.split(/[?#]/)[0] ?? '');
    const alts = ALTERNATIVES[/** @type {keyof typeof ALTERNATIVES} */ (ext in ALTERNATIVES ? ext : '')] ?? [];
    const base = ext in ALTERNATIVES && ext !== '' ? specifier.slice(0, -ext.length) : specifier;
    for (const alt of alts) {
      const url = new URL(base + alt, context.parentURL);
      if (fs.existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
    }
    throw e;
  }
}

/** The nearest package.json's "type" decides whether a .ts file is a module (as for .js). */
const scopes = new Map();
function packageType(dir) {
  if (scopes.has(dir)) return scopes.get(dir);
  let type;
  try {
    type = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).type === 'module' ? 'module' : 'commonjs';
  } catch {
    const up = path.dirname(dir);
    type = up === dir ? 'commonjs' : packageType(up);
  }
  scopes.set(dir, type);
  return type;
}

/** The text of the tsconfig.json esbuild applies to a file (the nearest one), for the cache key. */
const tsconfigs = new Map();
function tsconfigText(dir) {
  if (tsconfigs.has(dir)) return tsconfigs.get(dir);
  let text;
  try {
    text = fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8');
  } catch {
    const up = path.dirname(dir);
    text = up === dir ? '' : tsconfigText(up);
  }
  tsconfigs.set(dir, text);
  return text;
}

/** Two 32-bit FNV-1a hashes of `text` (different offsets), as 16 hex digits. */
function quickHash(text) {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Bumped when what this file makes of a module changes: part of every cache key. */
const FORMAT = 1;

/** @type {boolean | undefined} */
let ours;
/**
 * The cache directory exists, belongs to this user and nobody else may write in it: only then
 * are its files run (in a shared /tmp another user could have made it first).
 */
function cacheIsOurs() {
  if (ours !== undefined) return ours;
  try {
    fs.mkdirSync(options.cacheDir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(options.cacheDir);
    ours = st.isDirectory() && (typeof process.getuid !== 'function' || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
  } catch {
    ours = false;
  }
  return ours;
}

/**
 * @param {string} url
 * @param {{ format?: string }} context
 * @param {(u: string, c: object) => Promise<{ format: string, source?: unknown }>} next
 */
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !TS.test(new URL(url).pathname)) return next(url, context);
  const file = fileURLToPath(url);
  const dir = path.dirname(file);
  if (!file.endsWith('.mts') && packageType(dir) !== 'module') {
    // A CommonJS .ts module needs tsx's require hooks: the worker uses tsx (MULTIPROC_TS_LOADER=tsx).
    // The code is the catalogue's ERR_TS_COMMONJS_MODULE (this file runs on the hooks thread, without the library).
    throw Object.assign(
      new Error(`${file} is a CommonJS TypeScript module (no "type": "module" in its package.json); run the program with MULTIPROC_TS_LOADER=tsx, or rename it to .mts`),
      { code: 'ERR_TS_COMMONJS_MODULE' },
    );
  }
  const source = fs.readFileSync(file, 'utf8');
  // What the output depends on, kept whole in the cache entry and compared on a hit: the file
  // name is only a quick hash (node:crypto would cost this thread ~10 ms to load).
  const input = `${FORMAT}\0${options.esbuild}\0${options.target}\0${file}\0${tsconfigText(dir)}\0${source}`;
  const cached = path.join(options.cacheDir, `${quickHash(input)}.json`);
  const trusted = cacheIsOurs();
  if (trusted) {
    try {
      const entry = JSON.parse(fs.readFileSync(cached, 'utf8'));
      if (entry.input === input && typeof entry.code === 'string') return { format: 'module', source: entry.code, shortCircuit: true };
    } catch {
      // Not transformed yet (or unreadable): below.
    }
  }
  esbuild ??= import(options.esbuild);
  const { build } = await esbuild;
  // build (not transform) so esbuild applies the file's tsconfig.json (jsx, decorators, class fields).
  const out = await build({
    entryPoints: [file],
    // Beside the module: the source map then names it by its own file name.
    outdir: dir,
    absWorkingDir: dir,
    bundle: false,
    write: false,
    format: 'esm',
    platform: 'node',
    target: options.target,
    sourcemap: 'inline',
    keepNames: true,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]?.text ?? '';
  if (!trusted) return { format: 'module', source: code, shortCircuit: true };
  const temp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(temp, JSON.stringify({ input, code }), { mode: 0o600 });
  fs.renameSync(temp, cached); // atomic: a concurrent worker reads the whole file or none
  return { format: 'module', source: code, shortCircuit: true };
}
