// Figure 4: Pipe round trip between the parent and a child Process running `echo`
// (bench/tasks.ts): `await a.send(m); await a.recv()`, one at a time, m = {i, s: 'ping'}.
// The raw floor runs IN THIS PROCESS, interleaved block by block with the multiproc blocks:
//   raw_unix_us  a bare child process connected over a unix socket, length-prefixed frames (anchor)
//   raw_port_us  (thread context only, for reference) a worker_thread MessagePort echo
// Samples: mean microseconds per round trip of each block of --n round trips.
import { echo } from '../tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout, errMessage } from '../lib.ts';
import { openRaw, type RawMode, type RawTransport } from '../raw/transports.ts';
import { loadMultiproc, type MP } from './common.ts';

const context = arg('context', 'process');
const rounds = intArg('rounds', 5);
const n = intArg('n', 2000);
const { mp, loadError } = await loadMultiproc();

if (!mp || mp.isMainEntry(import.meta.url)) {
  const modes: RawMode[] = context === 'thread' ? ['unix', 'port'] : ['unix'];
  const raws = new Map<RawMode, RawTransport>();
  let mpError: string | null = loadError;
  let conn: MP = null;
  let proc: MP = null;
  const samples: Record<string, number[]> = { mp_pipe_us: [] };
  const extra: Record<string, unknown> = { context, mpError };
  // No timer per round trip (the raw floors have none): a block of round trips has one.
  const rt = async (m: { i: number; s: string }) => {
    await conn.send(m);
    const back = (await conn.recv()) as { i: number; s: string };
    if (!back || back.i !== m.i || back.s !== m.s) throw new Error(`echo returned ${JSON.stringify(back)}`);
  };
  const block = async (count: number) => {
    for (let i = 0; i < count; i++) await rt({ i, s: 'ping' });
  };
  await runMeasurements(
    [
      [
        'pipe',
        async () => {
          for (const m of modes) {
            const t = await openRaw(m);
            raws.set(m, t);
            samples[`raw_${m}_us`] = [];
            for (let i = 0; i < 1000; i++) await t.rt({ i, s: 'ping' });
          }
          if (!mpError) {
            try {
              const ctx = mp.getContext(context);
              const [a, b] = (ctx.Pipe ?? mp.Pipe)();
              conn = a;
              proc = new ctx.Process({ target: echo, args: [b] });
              proc.start();
              await withTimeout(block(1000), 60_000, 'Pipe warm-up round trips');
            } catch (e) {
              mpError = errMessage(e);
            }
          }
          // Round 0 is one more warm-up round (JIT tiers still settle after the warm-up calls); not recorded.
          for (let r = -1; r < rounds; r++) {
            for (const m of modes) {
              const t = raws.get(m)!;
              const t0 = now();
              for (let i = 0; i < n; i++) await t.rt({ i, s: 'ping' });
              if (r >= 0) samples[`raw_${m}_us`].push(((now() - t0) * 1000) / n);
            }
            if (!mpError) {
              try {
                const t0 = now();
                await withTimeout(block(n), 60_000 + n * 30, 'Pipe round trips');
                if (r >= 0) samples.mp_pipe_us.push(((now() - t0) * 1000) / n);
              } catch (e) {
                mpError = errMessage(e);
              }
            }
          }
          if (mpError) delete samples.mp_pipe_us;
          extra.mpError = mpError;
          return samples;
        },
      ],
    ],
    extra,
    async () => {
      for (const t of raws.values()) t.close();
      if (conn) {
        try {
          conn.close();
          await proc.join(5000);
          if (proc.isAlive()) proc.terminate();
        } catch (e) {
          process.stderr.write(`[pipe cleanup] ${errMessage(e)}\n`);
        }
      }
    },
  );
}
