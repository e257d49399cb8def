// The seed examples (examples/*.ts) run as users run them and check their own output.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Its own bound: ~35 examples take 1-3 minutes idle run one by one (the runner runs
// EXAMPLE_CONCURRENCY, 3, at a time), and several times that on a loaded machine. The runner
// bounds each example (30 s on an idle machine, more as the machine is measured slower, at most
// 120 s; EXAMPLE_TIMEOUT_MS fixes it: a hang is caught there), so this bound only has to exceed
// every example taking its full time one after another, never a guess of how fast they run.
const examples = readdirSync(fileURLToPath(new URL('../examples/', import.meta.url))).filter((f) => /^\d.*\.ts$/.test(f)).length;
const bound = examples * (Number(process.env['EXAMPLE_TIMEOUT_MS'] || 120_000) + 10_000) + 60_000;
it('every example of the seeds runs and prints what CPython prints', { timeout: bound }, () => {
  const runner = fileURLToPath(new URL('../examples/run-all.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [runner], { encoding: 'utf8', timeout: bound });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^\d+ passed, 0 failed$/m);
});
