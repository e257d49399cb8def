// Functions and classes cross the boundary BY REFERENCE: { module URL, export name }, or, for a
// self-contained function, as source text. Built in the parent (which never imports user
// modules), resolved in the worker (which imports them).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errors } from '../errors.js';
import { locate, moduleBinding } from './locate.js';
import { exportNameOf, loadedCommonJs, localNameOf } from './exports.js';
import { freeVariables, parseFunctionSource } from './free-variables.js';

/** A module export: `m` is a file URL, `e` the export name. */
export interface ExportRef {
  m: string;
  e: string;
  n: string;
}
/** A self-contained function rebuilt from source in the worker. */
export interface SourceRef {
  s: string;
  n: string;
  method: boolean;
}
export type FnRef = ExportRef | SourceRef;

const refCache = new WeakMap<Function, FnRef>();

/** A short, readable file name for messages: relative to the working directory. */
export function displayPath(url: string): string {
  if (!url) return 'an evaluated script';
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

function describe(fn: Function): string {
  return fn.name ? fn.name : 'an anonymous function';
}

/** Where an export of `value` lives, or undefined. Also used for classes. */
export function exportRefOf(value: Function): ExportRef | undefined {
  const loc = locate(value);
  if (!loc) return undefined;
  const e = exportNameOf(value, loc);
  if (e === undefined) return undefined;
  const m = loc.url.startsWith('file:') ? loc.url : pathToFileURL(loc.url).href;
  if (!providers.has(m)) providers.set(m, value);
  return { m, e, n: value.name || e };
}

/** One function or class per module this process has located: a door into that module's scope. */
const providers = new Map<string, Function>();

/**
 * An export of a module this process already loaded, found without import(): CommonJS
 * exports directly, ES module bindings through the scope of a function located there.
 */
export function loadedExport(ref: ExportRef): unknown {
  const cjs = loadedCommonJs(ref.m) as Record<string, unknown> | undefined;
  if (cjs !== undefined && cjs !== null) return ref.e === 'default' ? cjs : cjs[ref.e];
  const provider = providers.get(ref.m);
  if (!provider) return undefined;
  const loc = locate(provider);
  if (!loc) return undefined;
  return moduleBinding(provider, localNameOf(loc, ref.e) ?? ref.e);
}

/**
 * The reference that lets a worker find `fn`. Throws ERR_NOT_TRANSFERABLE, naming the function
 * and the fix, when `fn` is neither an export nor self-contained.
 */
export function toFnRef(fn: unknown, role: string): FnRef {
  if (typeof fn !== 'function') {
    throw errors.invalidArgType(`${role} must be a function, got ${fn === null ? 'null' : typeof fn}`);
  }
  const cached = refCache.get(fn);
  if (cached) return cached;
  const name = describe(fn);
  if (fn.name.startsWith('bound ') && !Object.prototype.hasOwnProperty.call(fn, 'prototype')) {
    throw errors.notTransferable(`${role} ${name} is a bound function and cannot be sent to a worker; export the original function and pass its arguments in args`);
  }
  const exported = exportRefOf(fn);
  if (exported) {
    refCache.set(fn, exported);
    return exported;
  }
  const loc = locate(fn);
  const src = Function.prototype.toString.call(fn);
  const parsed = src.includes('[native code]') ? null : parseFunctionSource(src);
  const where = loc ? displayPath(loc.url) : 'its module';
  if (!parsed) {
    throw errors.notTransferable(`${role} ${name} is not exported from ${where} and its source cannot be rebuilt in a worker; export it from its module`);
  }
  if (parsed.method) {
    throw errors.notTransferable(`${role} ${name} is a method reached through an object; export a standalone function from ${where} and pass the object's data in args`);
  }
  const free = freeVariables(parsed.node);
  if (free.length > 0) {
    const vars = free.slice(0, 5).join(', ');
    if (free.includes('this')) {
      throw errors.notTransferable(`${role} ${name} is an arrow function that uses \`this\` from ${where}; export a function that takes what it needs as arguments`);
    }
    throw errors.notTransferable(
      `${role} ${name} is not exported from ${where} and uses ${vars} from an enclosing scope; ` +
        `export it from its module or pass a self-contained function (pass ${vars} in args)`,
    );
  }
  const ref: SourceRef = { s: src, n: fn.name, method: parsed.method };
  refCache.set(fn, ref);
  return ref;
}
