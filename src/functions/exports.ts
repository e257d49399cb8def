// Which export (if any) of its defining module a function or class is, decided in the parent
// without importing the module: CommonJS through require.cache, ES modules by reading the
// source V8 compiled (static `export` syntax) with acorn.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Acorn from 'acorn';
import type { SourceLocation } from './locate.js';
import { isModuleBinding, scriptSource } from './locate.js';

const require = createRequire(import.meta.url);
const requireCache = require.cache;
// acorn loads on first use: workers that only run functions never pay for it.
const parse = (src: string, opts: Acorn.Options) => (require('acorn') as typeof Acorn).parse(src, opts);

interface Binding {
  name: string;
  start: number;
  end: number;
  exported?: string;
}
type Node = { type: string; start: number; end: number; [key: string]: unknown };

const moduleBindings = new Map<string, Binding[] | null>();

function topLevelBindings(source: string): Binding[] | null {
  let program: Node;
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as Node;
  } catch {
    return null;
  }
  const bindings: Binding[] = [];
  const exportsByLocal = new Map<string, string>();
  const declare = (decl: Node | null | undefined, exportAs?: (name: string) => string) => {
    if (!decl) return;
    if (decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') {
      const id = decl.id as { name: string } | null;
      const name = id?.name ?? '*default*';
      bindings.push({ name, start: decl.start, end: decl.end });
      if (exportAs) exportsByLocal.set(name, exportAs(name));
    } else if (decl.type === 'VariableDeclaration') {
      for (const d of decl.declarations as Node[]) {
        const id = d.id as Node & { name?: string };
        const init = d.init as Node | null;
        if (id.type !== 'Identifier' || !init) continue;
        bindings.push({ name: id.name!, start: init.start, end: init.end });
        if (exportAs) exportsByLocal.set(id.name!, exportAs(id.name!));
      }
    }
  };
  for (const stmt of program.body as Node[]) {
    if (stmt.type === 'ExportNamedDeclaration') {
      if (stmt.declaration) declare(stmt.declaration as Node, (n) => n);
      else if (!stmt.source) {
        for (const s of stmt.specifiers as Node[]) {
          const local = (s.local as { name: string }).name;
          const exported = s.exported as { name?: string; value?: string };
          if (!exportsByLocal.has(local)) exportsByLocal.set(local, exported.name ?? exported.value ?? local);
        }
      }
    } else if (stmt.type === 'ExportDefaultDeclaration') {
      const d = stmt.declaration as Node;
      if (d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') declare(d, () => 'default');
      else if (d.type === 'Identifier') exportsByLocal.set((d as unknown as { name: string }).name, 'default');
      else {
        bindings.push({ name: 'default', start: d.start, end: d.end });
        exportsByLocal.set('default', 'default');
      }
    } else {
      declare(stmt);
    }
  }
  for (const b of bindings) {
    const exported = exportsByLocal.get(b.name);
    if (exported !== undefined) b.exported = exported;
  }
  return bindings;
}

/** The local name bound to export `exportName` in the module of `loc` (ES modules). */
export function localNameOf(loc: SourceLocation, exportName: string): string | undefined {
  let bindings = moduleBindings.get(loc.scriptId);
  if (bindings === undefined) {
    bindings = topLevelBindings(scriptSource(loc.scriptId));
    moduleBindings.set(loc.scriptId, bindings);
  }
  return bindings?.find((b) => b.exported === exportName)?.name;
}

/** A CommonJS module's exports object, when that file was loaded with require(). */
export function loadedCommonJs(url: string): unknown {
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  return requireCache[file]?.exports;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * The common case without a parser: `export function name`, `export const name =`,
 * `export class name`, `export default function name` starting a line, with the function's
 * own location right after it. Anything else goes to the full parse.
 */
function quickExportName(source: string, at: number, name: string): string | undefined {
  if (!IDENT.test(name)) return undefined;
  const re = new RegExp(
    `(?:^|\\n)[ \\t]*export[ \\t]+(default[ \\t]+)?(?:async[ \\t]+)?(?:function[ \\t]*\\*?[ \\t]*|class[ \\t]+|(?:const|let|var)[ \\t]+)${name.replace(/\$/g, '\\$')}(?![\\w$])`,
    'g',
  );
  for (const m of source.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    if (at >= start && at <= end + 120 && !source.slice(end, at).includes('\n\n')) return m[1] ? 'default' : name;
  }
  return undefined;
}

/** `export [default] [async] function name` (or class, const, let, var) starting a line of `file`. */
function declaredExport(file: string, name: string): string | undefined {
  if (!IDENT.test(name)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const re = new RegExp(
    `(?:^|\\n)[ \\t]*export[ \\t]+(default[ \\t]+)?(?:abstract[ \\t]+)?(?:async[ \\t]+)?(?:function[ \\t]*\\*?[ \\t]*|class[ \\t]+|(?:const|let|var)[ \\t]+)${name.replace(/\$/g, '\\$')}(?![\\w$])`,
  );
  const m = re.exec(text);
  return m ? (m[1] ? 'default' : name) : undefined;
}

function offsetOf(source: string, line: number, column: number): number {
  let offset = 0;
  for (let i = 0; i < line; i++) {
    const next = source.indexOf('\n', offset);
    if (next < 0) return source.length;
    offset = next + 1;
  }
  return offset + column;
}

/**
 * The export name under which `value` (a function or class) is reachable from the module at
 * `loc`, or undefined when it is not a top-level export there.
 */
export function exportNameOf(value: Function, loc: SourceLocation): string | undefined {
  if (!loc.url) return undefined;
  const file = loc.url.startsWith('file:') ? fileURLToPath(loc.url) : loc.url;
  const cjs = requireCache[file];
  if (cjs) {
    // CommonJS: the module's live exports object tells exactly.
    const exports = cjs.exports as unknown;
    if (exports === value) return 'default';
    if (exports && (typeof exports === 'object' || typeof exports === 'function')) {
      for (const key of Object.keys(exports)) if ((exports as Record<string, unknown>)[key] === value) return key;
    }
    return undefined;
  }
  if (!loc.url.startsWith('file:')) return undefined;
  // A module a loader compiled (.ts under tsx): V8's source is not the file's, and reading it
  // takes the Debugger (which replays every script: ~250 ms in a program under tsx) and a full
  // parse of minified output. The file's own `export function name` (or const, class), with
  // `fn` the module's top-level binding of that name, says the same without either.
  if (!/\.(m|c)?js$/.test(file)) {
    const declared = declaredExport(file, value.name);
    if (declared !== undefined && isModuleBinding(value, value.name)) return declared;
  }
  const source = scriptSource(loc.scriptId);
  const at = offsetOf(source, loc.line, loc.column);
  const quick = quickExportName(source, at, value.name);
  if (quick !== undefined) return quick;
  let bindings = moduleBindings.get(loc.scriptId);
  if (bindings === undefined) {
    bindings = topLevelBindings(scriptSource(loc.scriptId));
    moduleBindings.set(loc.scriptId, bindings);
  }
  if (!bindings) return undefined;
  const name = value.name;
  for (const b of bindings) {
    if (b.exported === undefined || at < b.start || at > b.end) continue;
    // The binding's own value, not a function nested inside it.
    if (name === b.name || ((b.name === '*default*' || b.name === 'default') && (name === 'default' || name === ''))) return b.exported;
  }
  return undefined;
}
