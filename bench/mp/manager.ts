// Figure 8: manager dict writes from a child.
// The parent starts `Manager()` of the context (server in its own process, or thread) and makes
// `d = await manager.dict()`; a child Process (`dictSetter`, bench/shared-tasks.ts) waits for an
// order n on a Pipe, does `await d.set(i % 100, i)` for i < n, and answers. The parent times
// from the order to the answer: mp_dict_ops_per_s = n / time, mp_dict_us = microseconds per set.
// One untimed block of n/4 first. The raw floor runs IN THIS PROCESS, interleaved block by block:
//   raw_unix_us  a bare child process connected over a unix socket, length-prefixed frames, one
//                round trip of {k, v} at a time (the floor of a call that waits for its server)
import { dictSetter } from '../shared-tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout, errMessage, stopChild } from '../lib.ts';
import { openRaw, type RawTransport } from '../raw/transports.ts';
import { loadMultiproc, type MP } from './common.ts';

const context = arg('context', 'process');
const reps = intArg('reps', 3);
const n = intArg('n', 20_000);
const { mp, loadError } = await loadMultiproc();

if (!mp || mp.isMainEntry(import.meta.url)) {
  let manager: MP = null;
  let conn: MP = null;
  let proc: MP = null;
  let raw: RawTransport | null = null;
  const extra: Record<string, unknown> = { context, mpError: loadError };
  await runMeasurements(
    [
      [
        'dict',
        async () => {
          if (!mp) throw new Error(loadError!);
          const ctx = mp.getContext(context);
          let t0 = now();
          manager = await withTimeout(ctx.Manager(), 30_000, 'Manager()');
          extra.manager_start_ms = now() - t0;
          const d = await manager.dict();
          const [a, b] = ctx.Pipe();
          conn = a;
          proc = new ctx.Process({ target: dictSetter, args: [d, b] });
          proc.start();
          const block = async (k: number) => {
            await conn.send(k);
            const back = await withTimeout(conn.recv(), 60_000, 'dict block');
            if (back !== k) throw new Error(`child answered ${String(back)}`);
          };
          raw = await openRaw('unix');
          const rawBlock = async (k: number) => {
            for (let i = 0; i < k; i++) {
              const back = (await raw!.rt({ k: i % 100, v: i })) as { v: number };
              if (back.v !== i) throw new Error(`raw echo returned ${JSON.stringify(back)}`);
            }
          };
          await rawBlock(Math.ceil(n / 4));
          await block(Math.ceil(n / 4));
          const out: number[] = [];
          const us: number[] = [];
          const rawUs: number[] = [];
          for (let r = 0; r < reps; r++) {
            t0 = now();
            await rawBlock(n);
            rawUs.push(((now() - t0) * 1000) / n);
            t0 = now();
            await block(n);
            const ms = now() - t0;
            out.push((n / ms) * 1000);
            us.push((ms * 1000) / n);
          }
          const last = await d.get(99);
          if (last !== n - 1) throw new Error(`d.get(99) = ${String(last)}, expected ${n - 1}`);
          return { mp_dict_ops_per_s: out, mp_dict_us: us, raw_unix_us: rawUs };
        },
      ],
    ],
    extra,
    async () => {
      raw?.close();
      if (conn && proc) await stopChild(conn, proc, 'dict');
      try {
        if (manager) await manager.shutdown();
      } catch (e) {
        process.stderr.write(`[dict cleanup] ${errMessage(e)}\n`);
      }
    },
  );
}
