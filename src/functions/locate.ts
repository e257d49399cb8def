// Finds where a function or class was defined, through the in-process inspector.
// docs/design.md: synchronous, ~0.1 ms a lookup; cached per function. Script URLs come from the
// Profiler's best-effort coverage (2-3 ms) rather than Debugger.enable (15-20 ms, which
// replays every script Node has parsed); the Debugger domain is enabled only to read the
// compiled source of a non-JavaScript module (.ts under tsx).
import fs from 'node:fs';
import type { Session } from 'node:inspector';
import { lazyInspector } from '../util/builtins.js';
import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  /** `file:///...` for ES modules, an absolute path for CommonJS, '' for eval'd code. */
  url: string;
  scriptId: string;
  line: number;
  column: number;
}

let session: Session | undefined;
let debuggerOn = false;
const scriptUrls = new Map<string, string>();
const cache = new WeakMap<Function, SourceLocation | null>();
const GLOBAL_KEY = '__multiprocLocateTarget';

function connect(): Session {
  if (session) return session;
  const s = new (lazyInspector().Session)();
  s.connect();
  s.on('Debugger.scriptParsed', (m) => {
    scriptUrls.set(m.params.scriptId, m.params.url);
  });
  // Callbacks of an in-thread session run synchronously inside post().
  s.post('Profiler.enable');
  session = s;
  return s;
}

/**
 * Enables the Debugger domain for the lookups of this tick, and turns it off again soon after:
 * while it is on, V8 keeps async stack traces and every `await` in the program costs several
 * times more (measured ~100 -> 800 ns). A later lookup that needs it pays the enable again.
 */
function enableDebugger(): void {
  if (debuggerOn) return;
  debuggerOn = true;
  post('Debugger.enable', {});
  setTimeout(() => {
    debuggerOn = false;
    try {
      post('Debugger.disable', {});
    } catch {
      /* session gone */
    }
  }, 50).unref();
}

/** Whether this thread has already loaded (and run) the script at `url`. */
export function isScriptLoaded(url: string): boolean {
  for (const known of scriptUrls.values()) if (known === url) return true;
  const coverage = post<{ result: { scriptId: string; url: string }[] }>('Profiler.getBestEffortCoverage', {});
  for (const sc of coverage.result) scriptUrls.set(sc.scriptId, sc.url);
  for (const sc of coverage.result) if (sc.url === url) return true;
  return false;
}

/** The URL of a script: from the cache, else from a fresh coverage listing, else the Debugger. */
function scriptUrl(scriptId: string): string {
  let url = scriptUrls.get(scriptId);
  if (url !== undefined) return url;
  const coverage = post<{ result: { scriptId: string; url: string }[] }>('Profiler.getBestEffortCoverage', {});
  for (const sc of coverage.result) scriptUrls.set(sc.scriptId, sc.url);
  url = scriptUrls.get(scriptId);
  if (url === undefined) {
    enableDebugger();
    url = scriptUrls.get(scriptId);
  }
  return url ?? '';
}

function post<T>(method: string, params: object): T {
  let result: T | undefined;
  let failure: Error | null = null;
  connect().post(method, params, (err: Error | null, res?: unknown) => {
    failure = err;
    result = res as T;
  });
  if (failure) throw failure;
  return result as T;
}

/** The defining location of `fn`, or null when the engine has none (native, bound). */
export function locate(fn: Function): SourceLocation | null {
  const hit = cache.get(fn);
  if (hit !== undefined) return hit;
  const g = globalThis as Record<string, unknown>;
  g[GLOBAL_KEY] = fn;
  let loc: SourceLocation | null = null;
  try {
    const evaluated = post<{ result: { objectId?: string } }>('Runtime.evaluate', {
      expression: `globalThis.${GLOBAL_KEY}`,
      objectGroup: 'multiproc-locate',
    });
    const objectId = evaluated.result.objectId;
    if (objectId) {
      const props = post<{ internalProperties?: { name: string; value?: { value?: { scriptId: string; lineNumber: number; columnNumber: number } } }[] }>('Runtime.getProperties', {
        objectId,
        ownProperties: true,
      });
      const where = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
      if (where) {
        loc = { url: scriptUrl(where.scriptId), scriptId: where.scriptId, line: where.lineNumber, column: where.columnNumber };
      }
    }
  } finally {
    delete g[GLOBAL_KEY];
    post('Runtime.releaseObjectGroup', { objectGroup: 'multiproc-locate' });
  }
  cache.set(fn, loc);
  return loc;
}

type Remote = { name: string; value?: { objectId?: string; description?: string } };

/**
 * The value of a top-level binding of the module that defines `fn`, read through the
 * inspector from `fn`'s scope chain: a class of an already loaded module, without import().
 */
export function moduleBinding(fn: Function, name: string): unknown {
  const g = globalThis as Record<string, unknown>;
  g[GLOBAL_KEY] = fn;
  try {
    const fnId = post<{ result: { objectId?: string } }>('Runtime.evaluate', { expression: `globalThis.${GLOBAL_KEY}`, objectGroup: 'multiproc-scope' }).result.objectId;
    if (!fnId) return undefined;
    const internal = post<{ internalProperties?: Remote[] }>('Runtime.getProperties', { objectId: fnId, ownProperties: true }).internalProperties;
    const scopesId = internal?.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    if (!scopesId) return undefined;
    const scopes = post<{ result: Remote[] }>('Runtime.getProperties', { objectId: scopesId, ownProperties: true }).result;
    const moduleScope = scopes.find((s) => s.value?.description === 'Module')?.value?.objectId;
    if (!moduleScope) return undefined;
    const bindings = post<{ result: Remote[] }>('Runtime.getProperties', { objectId: moduleScope, ownProperties: true }).result;
    const target = bindings.find((b) => b.name === name)?.value?.objectId;
    if (!target) return undefined;
    delete g[GLOBAL_KEY];
    post('Runtime.callFunctionOn', { objectId: target, functionDeclaration: `function () { globalThis.${GLOBAL_KEY} = this; }` });
    return g[GLOBAL_KEY];
  } finally {
    delete g[GLOBAL_KEY];
    post('Runtime.releaseObjectGroup', { objectGroup: 'multiproc-scope' });
  }
}

/**
 * Whether `fn` is the value of the top-level binding `name` of the module that defines it: a
 * function nested in another has that binding only if it is the very same function.
 */
export function isModuleBinding(fn: Function, name: string): boolean {
  const g = globalThis as Record<string, unknown>;
  g[GLOBAL_KEY] = fn;
  try {
    const fnId = post<{ result: { objectId?: string } }>('Runtime.evaluate', { expression: `globalThis.${GLOBAL_KEY}`, objectGroup: 'multiproc-scope' }).result.objectId;
    if (!fnId) return false;
    const internal = post<{ internalProperties?: Remote[] }>('Runtime.getProperties', { objectId: fnId, ownProperties: true }).internalProperties;
    const scopesId = internal?.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    if (!scopesId) return false;
    const scopes = post<{ result: Remote[] }>('Runtime.getProperties', { objectId: scopesId, ownProperties: true }).result;
    const moduleScope = scopes.find((s) => s.value?.description === 'Module')?.value?.objectId;
    if (!moduleScope) return false;
    const bindings = post<{ result: Remote[] }>('Runtime.getProperties', { objectId: moduleScope, ownProperties: true }).result;
    const target = bindings.find((b) => b.name === name)?.value?.objectId;
    if (!target) return false;
    const same = post<{ result: { value?: unknown } }>('Runtime.callFunctionOn', {
      objectId: target,
      functionDeclaration: `function () { return this === globalThis.${GLOBAL_KEY}; }`,
      returnByValue: true,
    });
    return same.result.value === true;
  } finally {
    delete g[GLOBAL_KEY];
    post('Runtime.releaseObjectGroup', { objectGroup: 'multiproc-scope' });
  }
}

const sources = new Map<string, string>();
/**
 * The source text V8 compiled for a script. A plain JavaScript file is read from disk; other
 * files (.ts under tsx: V8 compiled transpiled JavaScript) are asked of the Debugger.
 */
export function scriptSource(scriptId: string): string {
  let text = sources.get(scriptId);
  if (text === undefined) {
    const url = scriptUrl(scriptId);
    if (/^file:.*\.(m|c)?js$/.test(url)) {
      try {
        text = fs.readFileSync(fileURLToPath(url), 'utf8');
      } catch {
        /* gone: ask V8 */
      }
    }
    if (text === undefined) {
      enableDebugger();
      text = post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId }).scriptSource;
    }
    sources.set(scriptId, text);
  }
  return text;
}
