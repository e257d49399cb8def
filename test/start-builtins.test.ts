// What a worker loads to start (docs/design.md, "Start"): a thread worker compiles every Node
// built-in it loads, so the bundle loads none it does not use to run a first task; a child
// process loads the addon its parent verified, and the variable that names it never reaches
// user code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'multiproc';
import { envHas, loadedModules } from './fixtures/start-probe.mjs';
import { contexts } from './helpers.ts';

describe('worker start', () => {
  it('a thread worker runs its first task without node:crypto, node:perf_hooks, parseArgs or MIME', async () => {
    await using pool = new Pool({ processes: 1, context: 'thread' });
    const loaded = (await pool.apply(loadedModules, [])) as string[];
    for (const mod of ['NativeModule crypto', 'NativeModule perf_hooks', 'NativeModule internal/util/parse_args/parse_args', 'NativeModule internal/mime']) {
      assert.ok(!loaded.includes(mod), `${mod} was loaded by a worker thread at start`);
    }
  });

  for (const context of contexts) {
    it(`${context}: the verified addon's variable is not in the worker's environment`, async () => {
      await using pool = new Pool({ processes: 1, context });
      assert.equal(await pool.apply(envHas, ['MULTIPROC_VERIFIED_ADDON']), false);
      assert.equal(await pool.apply(envHas, ['PATH']), 'PATH' in process.env);
    });
  }
});
