// What a worker loads to start (docs/design.md, "Start"): a thread worker compiles every Node
// built-in it loads, so the bundle loads none it does not use to run a first task; a child
// process loads the addon its parent verified, and the variable that names it never reaches
// user code.
import { describe, it } from 'node:test';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import { Pool } from 'multiproc';
import { envHas, loadedModules } from './fixtures/start-probe.mjs';
import { contexts } from './helpers.ts';

describe('worker start', () => {
  it('a thread worker runs its first task without node:crypto, node:perf_hooks, parseArgs or MIME', async () => {
    await using pool = new Pool({ processes: 1, context: 'thread' });
    const loaded = (await pool.apply(loadedModules, [])) as string[];
    // What a bare worker thread of this Node loads anyway is not ours to avoid (Node 24 loads
    // its MIME module in every worker's own start-up).
    const bare = new Worker('require("node:worker_threads").parentPort.postMessage(process.moduleLoadList)', { eval: true });
    const [baseline] = (await once(bare, 'message')) as [string[]];
    await bare.terminate();
    for (const mod of ['NativeModule crypto', 'NativeModule perf_hooks', 'NativeModule internal/util/parse_args/parse_args', 'NativeModule internal/mime']) {
      if (baseline.includes(mod)) continue;
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
