// Figure 3: sequential `await pool.apply(double, [i])`, one at a time, 2 workers, after warm-up.
// The raw floor of the same transport runs IN THIS PROCESS, interleaved block by block with
// the multiproc blocks, so both see the same machine state (latency here is bimodal: ~18 us
// when both ends share a core, ~70 us across cores, and that drifts over seconds):
//   process context: raw_fd3_us (frames over an extra stdio pipe, the anchor), raw_ipc_us (fork IPC)
//   thread context:  raw_port_us (worker.postMessage echo, the anchor)
// Samples: mean microseconds per round trip of each block of --n round trips.
import { double } from '../tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout } from '../lib.ts';
import { openRaw, type RawMode, type RawTransport } from '../raw/transports.ts';
import { loadMultiproc, makePool, shutdown, type MP } from './common.ts';

const context = arg('context', 'process');
const rounds = intArg('rounds', 5);
const n = intArg('n', 2000);
const { mp, loadError } = await loadMultiproc();

if (!mp || mp.isMainEntry(import.meta.url)) {
  const modes: RawMode[] = context === 'thread' ? ['port'] : ['fd3', 'ipc'];
  const raws = new Map<RawMode, RawTransport>();
  let pool: MP = null;
  let mpError: string | null = loadError;
  const samples: Record<string, number[]> = { mp_rtt_us: [] };
  const extra: Record<string, unknown> = { context, mpError };
  // No timer per round trip (the raw floor has none): a block of round trips has one.
  const block = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const v = await pool.apply(double, [i]);
      if (v !== 2 * i) throw new Error(`apply returned ${String(v)} for ${i}`);
    }
  };
  await runMeasurements(
    [
      [
        'rtt',
        async () => {
          for (const m of modes) {
            const t = await openRaw(m);
            raws.set(m, t);
            samples[`raw_${m}_us`] = [];
            for (let i = 0; i < 1000; i++) await t.rt({ id: i, args: [i] });
          }
          if (!mpError) {
            try {
              pool = makePool(mp, 2, context);
              await withTimeout(block(1000), 60_000, 'pool.apply warm-up round trips');
            } catch (e) {
              mpError = e instanceof Error ? e.message : String(e);
            }
          }
          // Round 0 is one more warm-up round (JIT tiers still settle after the warm-up calls); not recorded.
          for (let r = -1; r < rounds; r++) {
            for (const m of modes) {
              const t = raws.get(m)!;
              const t0 = now();
              for (let i = 0; i < n; i++) await t.rt({ id: i, args: [i] });
              if (r >= 0) samples[`raw_${m}_us`].push(((now() - t0) * 1000) / n);
            }
            if (!mpError) {
              try {
                const t0 = now();
                await withTimeout(block(n), 60_000 + n * 30, 'pool.apply round trips');
                if (r >= 0) samples.mp_rtt_us.push(((now() - t0) * 1000) / n);
              } catch (e) {
                mpError = e instanceof Error ? e.message : String(e);
              }
            }
          }
          // Raw samples are still reported when multiproc fails; its figure becomes an error.
          if (mpError) delete samples.mp_rtt_us;
          extra.mpError = mpError;
          return samples;
        },
      ],
    ],
    extra,
    async () => {
      for (const t of raws.values()) t.close();
      await shutdown(pool);
    },
  );
}
