// The public types: inference flows from fn (pool.map(square, xs) is Promise<number[]>), misuse
// does not compile, and the shipped declarations type-check under strict settings.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

it('public types infer results from fn and reject wrong arguments (tsc --noEmit)', () => {
  const require = createRequire(import.meta.url);
  const tsc = path.join(path.dirname(require.resolve('typescript7/package.json')), 'bin', 'tsc');
  const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
  const r = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
