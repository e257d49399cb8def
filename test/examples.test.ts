// The seed examples (examples/*.ts) run as users run them and check their own output.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Its own bound: ~35 examples take 1-3 minutes, more than the suite's per-test default.
it('every example of the seeds runs and prints what CPython prints', { timeout: 600_000 }, () => {
  const runner = fileURLToPath(new URL('../examples/run-all.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [runner], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^\d+ passed, 0 failed$/m);
});
