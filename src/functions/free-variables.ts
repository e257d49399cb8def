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
  for (const [wrapped, method] of [[`(${src})`, false], [`({${src}})`, true]] as const) {
    try {
      const program = parse(wrapped, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as Node;
      const expr = ((program.body as Node[])[0] as Node).expression as Node;
      if (!method) return { node: expr, method };
      const prop = (expr.properties as Node[])[0];
      return prop ? { node: prop.value as Node, method } : null;
    } catch { /* try the next wrapping */ }
  }
  return null;
}

function collectPattern(p: Node | null, declared: Set<string>, visit: (n: Node) => void): void {
  if (!p) return;
  switch (p.type) {
    case 'Identifier': declared.add(p.name as string); break;
    case 'ObjectPattern':
      for (const prop of p.properties as Node[]) {
        if (prop.type === 'RestElement') collectPattern(prop.argument as Node, declared, visit);
        else { if (prop.computed) visit(prop.key as Node); collectPattern(prop.value as Node, declared, visit); }
      }
      break;
    case 'ArrayPattern': for (const el of p.elements as (Node | null)[]) collectPattern(el, declared, visit); break;
    case 'RestElement': collectPattern(p.argument as Node, declared, visit); break;
    case 'AssignmentPattern': collectPattern(p.left as Node, declared, visit); visit(p.right as Node); break;
    default: visit(p); // member expressions in assignment targets
  }
}

/** Identifiers a function reads that it neither declares nor finds as globals. */
export function freeVariables(fnNode: Node): string[] {
  const declared = new Set<string>();
  const referenced = new Set<string>();
  const visit = (node: Node | null | undefined): void => {
    if (!node || typeof node.type !== 'string') return;
    switch (node.type) {
      case 'Identifier': referenced.add(node.name as string); return;
      case 'MemberExpression':
        visit(node.object as Node);
        if (node.computed) visit(node.property as Node);
        return;
      case 'Property': case 'PropertyDefinition': case 'MethodDefinition':
        if (node.computed) visit(node.key as Node);
        visit(node.value as Node);
        return;
      case 'LabeledStatement': visit(node.body as Node); return;
      case 'BreakStatement': case 'ContinueStatement': case 'MetaProperty': return;
      case 'VariableDeclarator': collectPattern(node.id as Node, declared, visit); visit(node.init as Node); return;
      case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
        if (node.id) declared.add((node.id as Node).name as string);
        for (const p of node.params as Node[]) collectPattern(p, declared, visit);
        visit(node.body as Node);
        return;
      case 'ClassDeclaration': case 'ClassExpression':
        if (node.id) declared.add((node.id as Node).name as string);
        visit(node.superClass as Node);
        visit(node.body as Node);
        return;
      case 'CatchClause': collectPattern(node.param as Node, declared, visit); visit(node.body as Node); return;
      case 'AssignmentExpression': case 'ForInStatement': case 'ForOfStatement': break;
    }
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const child = node[key];
      if (Array.isArray(child)) for (const c of child) visit(c as Node);
      else if (child && typeof child === 'object') visit(child as Node);
    }
  };
  visit(fnNode);
  return [...referenced].filter((n) => !declared.has(n) && !isGlobal(n));
}
