// The folders under src/ form layers: no folder imports (even only types from) a folder that
// imports it back, directly or around a loop. A file at src/'s top (index.ts, context.ts,
// errors.ts, internal.ts) counts as its own node. Fails naming the loop and the imports that
// make it, so a change that tangles two layers is caught where it is made.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The layer a file belongs to: its top folder under src/, or the file itself at the top. */
function layerOf(file: string): string {
  const rel = path.relative(src, file).split(path.sep);
  return rel.length === 1 ? rel[0]! : `${rel[0]}/`;
}

const IMPORT = /(?:import|export)\s[^'";]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|import\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** layer -> layer -> the imports (file -> file) behind that edge. */
function layerGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sources(src)) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!existsSync(target)) continue;
      const from = layerOf(file),
        to = layerOf(target);
      if (from === to) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      const list = edges.get(to) ?? [];
      edges.set(to, list);
      list.push(`${path.relative(src, file)} -> ${path.relative(src, target)}`);
    }
  }
  return graph;
}

/** A loop of layers, if there is one (depth-first search for a back edge). */
function findLoop(graph: Map<string, Map<string, string[]>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const loop = visit(next);
        if (loop) return loop;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys())
    if (!state.has(node)) {
      const loop = visit(node);
      if (loop) return loop;
    }
  return null;
}

describe('source layers', () => {
  it('the folder import graph under src/ has no loop', () => {
    const graph = layerGraph();
    assert.ok(graph.size > 10, `expected the src/ folders to import each other (found ${graph.size} layers): is the scan broken?`);
    const loop = findLoop(graph);
    if (!loop) return;
    const why = loop.slice(0, -1).map(
      (from, i) =>
        `  ${from} -> ${loop[i + 1]}: ${graph
          .get(from)!
          .get(loop[i + 1]!)!
          .slice(0, 3)
          .join(', ')}`,
    );
    assert.fail(`the folders import each other in a loop: ${loop.join(' -> ')}\n${why.join('\n')}\nMove the shared piece down a layer (src/util/ holds what everything may use).`);
  });
});
