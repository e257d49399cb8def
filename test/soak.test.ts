// A short soak in CI (the 1,000,000-item figures come from `npm run soak`, see RELIABILITY.md, "Long runs"): small
// tasks through apply, imap and a Queue in both contexts. The parent's heap after GC does not
// grow beyond a bound, no timer is left behind, no warning (a MaxListenersExceededWarning
// would be a listener leak), and the last 10% of items go at a rate comparable to the first.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from '../soak/soak-core.ts';
import { contexts, within } from './helpers.ts';

const N = 40_000;
/** Generous: a leak of even 100 bytes per item would show as 4 MB per phase here. */
const MAX_GROWTH_MB = 8;

for (const context of contexts) {
  describe(`soak (${context})`, () => {
    it(`${N} tasks through apply, imap and a Queue: bounded heap, no leaks, steady throughput`, async () => {
      const { reports, warnings } = await within(100_000, soak({ context, n: N }));
      assert.deepEqual(warnings, []);
      assert.deepEqual(
        reports.map((r) => r.phase),
        ['apply', 'imap', 'queue'],
      );
      for (const r of reports) {
        assert.ok(r.heapGrowthMB < MAX_GROWTH_MB, `${r.phase}: heap grew ${r.heapGrowthMB} MB`);
        assert.ok(r.timersAfter <= r.timersBefore + 1, `${r.phase}: timers ${r.timersBefore} -> ${r.timersAfter}`);
        // Timing on a shared 2-core machine is noisy: only a collapse (a leak slowing every item) fails.
        assert.ok(r.steadiness > 0.15, `${r.phase}: last 10% at ${r.steadiness}x the rate of the first`);
      }
    });
  });
}
