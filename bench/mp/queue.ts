// Figure 7: Queue throughput, child process puts, parent gets.
// A child Process (`queueProducer`, bench/tasks.ts) waits for an order n on a Pipe, then puts
// n items into a `Queue` made by the parent; the parent times from sending the order to its
// n-th `await q.get()`. Two loads, each with its own queue and child:
//   ints   --ints (200,000) small ints         -> mp_queue_ints_per_s  (items/s)
//   blobs  --blobs (5,000) Buffers of 65,536 B -> mp_queue_64k_mb_s    (MB/s, 1 MB = 1e6 bytes)
// One smaller untimed block first (warm-up), then --reps timed blocks; loads alternate.
import { queueProducer } from '../shared-tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout, stopChild } from '../lib.ts';
import { loadMultiproc, type MP } from './common.ts';

const context = arg('context', 'process');
const reps = intArg('reps', 3);
const nInts = intArg('ints', 200_000);
const nBlobs = intArg('blobs', 5_000);
const BLOB = 65_536;
const { mp, loadError } = await loadMultiproc();

interface Load {
  name: 'ints' | 'blobs';
  n: number;
  q: MP;
  conn: MP;
  proc: MP;
}

if (!mp || mp.isMainEntry(import.meta.url)) {
  const loads: Load[] = [];
  const extra: Record<string, unknown> = { context, mpError: loadError };
  const block = async (l: Load, n: number): Promise<number> => {
    const t0 = now();
    await l.conn.send(n);
    let last: unknown;
    for (let i = 0; i < n; i++) last = await l.q.get();
    const dt = now() - t0;
    if (l.name === 'ints' && last !== n - 1) throw new Error(`last item was ${String(last)}, expected ${n - 1}`);
    if (l.name === 'blobs' && (!(last instanceof Uint8Array) || last.length !== BLOB || last[BLOB - 1] !== 0x5a)) {
      throw new Error(`last item was not the ${BLOB}-byte buffer`);
    }
    return dt;
  };
  await runMeasurements(
    [
      [
        'queue',
        async () => {
          if (!mp) throw new Error(loadError!);
          const ctx = mp.getContext(context);
          for (const [name, n] of [
            ['ints', nInts],
            ['blobs', nBlobs],
          ] as const) {
            const q = new ctx.Queue();
            const [a, b] = ctx.Pipe();
            const proc = new ctx.Process({ target: queueProducer, args: [q, b, name === 'blobs' ? BLOB : 0] });
            proc.start();
            loads.push({ name, n, q, conn: a, proc });
          }
          const samples: Record<string, number[]> = { mp_queue_ints_per_s: [], mp_queue_64k_mb_s: [] };
          for (const l of loads) await withTimeout(block(l, Math.ceil(l.n / 10)), 60_000, `warm-up ${l.name}`);
          for (let r = 0; r < reps; r++) {
            for (const l of loads) {
              const ms = await withTimeout(block(l, l.n), 60_000, `${l.name} block`);
              if (l.name === 'ints') samples.mp_queue_ints_per_s.push((l.n / ms) * 1000);
              else samples.mp_queue_64k_mb_s.push((l.n * BLOB) / 1e6 / (ms / 1000));
            }
          }
          return samples;
        },
      ],
    ],
    extra,
    async () => {
      for (const l of loads) await stopChild(l.conn, l.proc, 'queue');
    },
  );
}
