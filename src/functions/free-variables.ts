// Free-variable check for functions sent as source: a function that reads variables from an
// enclosing scope would fail only when it runs in the worker, so refuse it before sending.
import { createRequire } from 'node:module';
import type * as Acorn from 'acorn';

const require = createRequire(import.meta.url);
const parse = (src: string, opts: Acorn.Options) => (require('acorn') as typeof Acorn).parse(src, opts);

type Node = { type: string; [key: string]: unknown };

/** Names a rebuilt function may use without capturing anything. */
const ALWAYS_AVAILABLE = new Set(['undefined', 'NaN', 'Infinity', 'arguments', 'globalThis', 'require', '__name']);

function isGlobal(name: string): boolean {
  return ALWAYS_AVAILABLE.has(name) || name in globalThis;
}

/** Parses a function's source text; returns the function node or null when it cannot. */
export function parseFunctionSource(src: string): { node: Node; method: boolean } | null {
  for (const [wrapped, method] of [
    [`(${src})`, false],
    [`({${src}})`, true],
  ] as const) {
    try {
      const program = parse(wrapped, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as Node;
      const expr = ((program.body as Node[])[0] as Node).expression as Node;
      if (!method) return { node: expr, method };
      const prop = (expr.properties as Node[])[0];
      return prop ? { node: prop.value as Node, method } : null;
    } catch {
      /* try the next wrapping */
    }
  }
  return null;
}

/** Adds the names a binding pattern declares. */
function patternNames(p: Node | null, into: Set<string>): void {
  if (!p) return;
  switch (p.type) {
    case 'Identifier':
      into.add(p.name as string);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties as Node[]) patternNames((prop.type === 'RestElement' ? prop.argument : prop.value) as Node, into);
      break;
    case 'ArrayPattern':
      for (const el of p.elements as (Node | null)[]) patternNames(el, into);
      break;
    case 'RestElement':
      patternNames(p.argument as Node, into);
      break;
    case 'AssignmentPattern':
      patternNames(p.left as Node, into);
      break;
  }
}

const isFunction = (n: Node) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';

/** Declarations that belong to a function's scope (blocks are folded into it; nested functions are not entered). */
function collectDeclarations(node: Node | null | undefined, into: Set<string>): void {
  if (!node || typeof node.type !== 'string') return;
  if (node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration') {
    if (node.id) into.add((node.id as Node).name as string);
    return;
  }
  if (isFunction(node) || node.type === 'ClassExpression') return;
  if (node.type === 'VariableDeclarator') patternNames(node.id as Node, into);
  if (node.type === 'CatchClause') patternNames(node.param as Node, into);
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'start' || key === 'end') continue;
    const child = node[key];
    if (Array.isArray(child)) for (const c of child) collectDeclarations(c as Node, into);
    else if (child && typeof child === 'object') collectDeclarations(child as Node, into);
  }
}

/**
 * Identifiers a function reads that it neither declares (in its own scope or an enclosing one
 * inside it) nor finds as globals; `this` in a top-level arrow function counts as one.
 */
export function freeVariables(fnNode: Node): string[] {
  const free = new Set<string>();

  const analyzeFunction = (fn: Node, outer: Set<string>[], thisIsFree: boolean): void => {
    const scope = new Set<string>();
    if (fn.type === 'FunctionExpression' && fn.id) scope.add((fn.id as Node).name as string);
    for (const p of fn.params as Node[]) patternNames(p, scope);
    collectDeclarations(fn.body as Node, scope);
    const chain = [...outer, scope];
    for (const p of fn.params as Node[]) patternRefs(p, chain, thisIsFree);
    refs(fn.body as Node, chain, thisIsFree);
  };

  const patternRefs = (p: Node | null, chain: Set<string>[], thisFree: boolean): void => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier':
        return;
      case 'ObjectPattern':
        for (const prop of p.properties as Node[]) {
          if (prop.type === 'RestElement') patternRefs(prop.argument as Node, chain, thisFree);
          else {
            if (prop.computed) refs(prop.key as Node, chain, thisFree);
            patternRefs(prop.value as Node, chain, thisFree);
          }
        }
        return;
      case 'ArrayPattern':
        for (const el of p.elements as (Node | null)[]) patternRefs(el, chain, thisFree);
        return;
      case 'RestElement':
        patternRefs(p.argument as Node, chain, thisFree);
        return;
      case 'AssignmentPattern':
        patternRefs(p.left as Node, chain, thisFree);
        refs(p.right as Node, chain, thisFree);
        return;
      default:
        refs(p, chain, thisFree); // a member expression as an assignment target
    }
  };

  const refs = (node: Node | null | undefined, chain: Set<string>[], thisFree: boolean): void => {
    if (!node || typeof node.type !== 'string') return;
    switch (node.type) {
      case 'Identifier': {
        const name = node.name as string;
        if (!chain.some((s) => s.has(name)) && !isGlobal(name)) free.add(name);
        return;
      }
      case 'ThisExpression':
        if (thisFree) free.add('this');
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
        analyzeFunction(node, chain, false);
        return;
      case 'ArrowFunctionExpression':
        analyzeFunction(node, chain, thisFree);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const scope = new Set<string>();
        if (node.id) scope.add((node.id as Node).name as string);
        refs(node.superClass as Node, chain, thisFree);
        // Inside a class body `this` is the instance or the class itself.
        refs(node.body as Node, [...chain, scope], false);
        return;
      }
      case 'MemberExpression':
        refs(node.object as Node, chain, thisFree);
        if (node.computed) refs(node.property as Node, chain, thisFree);
        return;
      case 'Property':
      case 'PropertyDefinition':
      case 'MethodDefinition':
        if (node.computed) refs(node.key as Node, chain, thisFree);
        refs(node.value as Node, chain, thisFree);
        return;
      case 'VariableDeclarator':
        patternRefs(node.id as Node, chain, thisFree);
        refs(node.init as Node, chain, thisFree);
        return;
      case 'CatchClause':
        patternRefs(node.param as Node, chain, thisFree);
        refs(node.body as Node, chain, thisFree);
        return;
      case 'LabeledStatement':
        refs(node.body as Node, chain, thisFree);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
      case 'Super':
        return;
    }
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const child = node[key];
      if (Array.isArray(child)) for (const c of child) refs(c as Node, chain, thisFree);
      else if (child && typeof child === 'object') refs(child as Node, chain, thisFree);
    }
  };

  if (isFunction(fnNode)) analyzeFunction(fnNode, [], fnNode.type === 'ArrowFunctionExpression');
  else refs(fnNode, [], false);
  return [...free];
}
