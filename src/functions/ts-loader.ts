// How a worker of a program run under tsx imports the program's TypeScript modules. The worker
// itself starts without tsx (the library is plain JavaScript), and registers, before it imports
// the first module the program named, either our own small hooks (entry/ts-hooks.mjs: esbuild
// output cached by content, no esbuild in the worker on a hit) or, where those hooks would not
// give what tsx gives, tsx itself. docs/design.md, "Start"; README, "TypeScript".
import fs from 'node:fs';
import { createRequire, register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The bundle has ts-hooks.js beside it; the sources (tests under tsx) have entry/ts-hooks.mjs.
const hooksUrl = new URL(import.meta.url.endsWith('.ts') ? '../entry/ts-hooks.mjs' : './ts-hooks.js', import.meta.url);

/** Where transformed modules are kept: per user, so nobody else's files are ever executed. */
function cacheDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `multiproc-ts-${uid}`);
}

/** True when this tsconfig.json, or one it extends by a relative path, sets `paths`. */
function setsPaths(file: string, depth = 0): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (/"paths"\s*:/.test(text)) return true;
  // A base named by package (@tsconfig/node20...) is a shared preset: those set no `paths`.
  const base = /"extends"\s*:\s*"(\.{1,2}\/[^"]+)"/.exec(text)?.[1];
  if (!base || depth > 8) return false;
  const next = path.resolve(path.dirname(file), base);
  return setsPaths(next.endsWith('.json') ? next : `${next}.json`, depth + 1);
}

/** A .cts module, or a .ts/.tsx one in a package without "type": "module": tsx loads it as CommonJS. */
function commonJsTypeScript(url: string): boolean {
  if (!url.startsWith('file:')) return false;
  const file = fileURLToPath(url);
  if (file.endsWith('.cts')) return true;
  if (!/\.(ts|tsx)$/.test(file)) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    let text: string | undefined;
    try {
      text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
    } catch {
      // none here: look further up
    }
    if (text !== undefined) {
      try {
        return (JSON.parse(text) as { type?: unknown }).type !== 'module';
      } catch {
        return true;
      }
    }
    if (path.dirname(dir) === dir) return true;
  }
}

/**
 * Why the small hooks would not do what tsx does for this program, or null. They do not map
 * tsconfig `paths`, nor load CommonJS TypeScript (tsx's require hooks): then tsx it is.
 */
function needsTsx(firstUrl: string): string | null {
  if (commonJsTypeScript(firstUrl)) return 'CommonJS TypeScript';
  if (process.env.MULTIPROC_TS_LOADER === 'tsx') return 'MULTIPROC_TS_LOADER=tsx';
  if (process.env.TSX_TSCONFIG_PATH) return 'TSX_TSCONFIG_PATH';
  // tsx applies the tsconfig.json found from the working directory; `paths` are its to map.
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'tsconfig.json');
    if (fs.existsSync(file)) return setsPaths(file) ? 'tsconfig paths' : null;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * Registers the small hooks in this thread; false when tsx is needed instead (or esbuild cannot
 * be found beside tsx). `tsxApi` is the URL of tsx's API module the parent resolved; `firstUrl`
 * the first module this worker imports (CommonJS TypeScript there: tsx).
 */
export function registerTsHooks(tsxApi: string, firstUrl: string): boolean {
  if (needsTsx(firstUrl) !== null) return false;
  let esbuild: string;
  try {
    esbuild = pathToFileURL(createRequire(new URL(tsxApi)).resolve('esbuild')).href;
  } catch {
    return false;
  }
  withoutDeprecationWarnings(() => register(hooksUrl, { data: { cacheDir: cacheDir(), esbuild, target: `node${process.versions.node}` } }));
  // Stack traces name the .ts lines (the transformed modules carry inline source maps), as under tsx.
  process.setSourceMapsEnabled(true);
  return true;
}

/**
 * Runs `fn` with deprecation warnings off. Node 24+ calls module.register() deprecated (DEP0205)
 * in favour of in-thread hooks, which cannot run esbuild's asynchronous service (nor tsx's
 * loader); the warning would land on the user's stderr from every worker, about our choice, not
 * their code. Node checks the flag when the warning is raised, inside the call.
 */
export function withoutDeprecationWarnings<T>(fn: () => T): T {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return fn();
  } finally {
    process.noDeprecation = quiet;
  }
}
