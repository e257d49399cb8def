// Worker side of function references: import the named module (only ever named by the program
// that started this worker) and pick the export, or rebuild a self-contained function.
import { createRequire } from 'node:module';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { errors } from '../errors.js';
import { runtimeState } from '../util/state.js';
import { registerTsHooks, withoutDeprecationWarnings } from './ts-loader.js';
import type { ExportRef, FnRef } from './reference.js';
import { displayPath } from './reference.js';

const modules = new Map<string, Record<string, unknown>>();
let tsxReady: Promise<void> | undefined;

/**
 * A worker of a program under tsx starts without tsx (its library loads as plain JavaScript)
 * and registers a TypeScript loader before it imports the first module the program named: the
 * small hooks of functions/ts-loader.ts, or tsx where those would not do. A child process started
 * with tsx's flags by other means (NODE_OPTIONS, an older parent) has tsx already: registering a
 * second time would transform every module twice (and the second pass wraps tsx's own helpers
 * in named closures, which made each `await using` block several times slower).
 */
function ensureTsx(url: string): Promise<void> {
  const api = runtimeState().tsxApi;
  if (!api || (isMainThread && process.execArgv.some((a) => /[\\/]tsx[\\/]/.test(a) || a === 'tsx'))) return Promise.resolve();
  tsxReady ??= (async () => {
    if (registerTsHooks(api, url)) return;
    const mod = (await import(api)) as { register: () => unknown };
    withoutDeprecationWarnings(() => mod.register());
    try {
      const cjs = (await import(api.replace(/esm\/api\/index\.(m?js)$/, 'cjs/api/index.$1'))) as { register?: () => unknown };
      withoutDeprecationWarnings(() => cjs.register?.());
    } catch {
      /* CommonJS .ts support is optional */
    }
  })();
  return tsxReady;
}

/** Cached namespace of an already imported module, for synchronous decoding. */
export function loadedModule(url: string): Record<string, unknown> | undefined {
  return modules.get(url);
}

/** Imports a user module with the fork-bomb guard raised. */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  const hit = modules.get(url);
  if (hit) return hit;
  await ensureTsx(url);
  const state = runtimeState();
  state.bootstrapping++;
  try {
    const ns = (await import(url)) as Record<string, unknown>;
    modules.set(url, ns);
    return ns;
  } finally {
    state.bootstrapping--;
  }
}

export function pickExport(ns: Record<string, unknown>, ref: ExportRef): unknown {
  if (ref.e in ns) return ns[ref.e];
  // CommonJS through import(): names the lexer missed are on the default export.
  const def = ns.default as Record<string, unknown> | undefined;
  if (def && (typeof def === 'object' || typeof def === 'function') && ref.e in def) return def[ref.e];
  return undefined;
}

export async function resolveExport(ref: ExportRef): Promise<unknown> {
  const value = pickExport(await importModule(ref.m), ref);
  if (value === undefined) {
    throw errors.notTransferable(`${ref.e} is not exported from ${displayPath(ref.m)} in the worker; export it from its module`);
  }
  return value;
}

const nameHelper = (fn: Function, value: string) => Object.defineProperty(fn, 'name', { value, configurable: true });
const rebuilt = new Map<string, Function>();

/** The function a reference names, inside the worker. */
export async function resolveFnRef(ref: FnRef): Promise<(...args: unknown[]) => unknown> {
  if ('m' in ref) {
    const fn = await resolveExport(ref);
    if (typeof fn !== 'function') throw errors.notTransferable(`${ref.e} exported from ${displayPath(ref.m)} is not a function`);
    return fn as (...args: unknown[]) => unknown;
  }
  let fn = rebuilt.get(ref.s);
  if (!fn) {
    const body = ref.method ? `const o = ({${ref.s}}); return o[Object.keys(o)[0]];` : `return (${ref.s});`;
    const req = createRequire(path.join(process.cwd(), 'noop.js'));
    fn = new Function('require', '__name', body)(req, nameHelper) as Function;
    rebuilt.set(ref.s, fn);
  }
  return fn as (...args: unknown[]) => unknown;
}
