// Figure 13: bulk reads and writes of a 100 MiB SharedArray('B') through its `view`, in a child.
// The parent makes `a = SharedArray('B', --mib MiB)` and starts a child (`bulkWorker`,
// bench/shared-tasks.ts; a process or a worker thread per --context). Per order {seed, reps},
// the child times, for each rep, in this order (ms, timed in the child):
//   memcpy  plain.set(src) between two plain buffers of the same size   (the anchor)
//   memcmp  Buffer.compare(plain, src)                                    (info anchor)
//   write   a.view.set(src): the pattern into the shared memory
//   read    Buffer.compare(Buffer over a.view, src), which must be 0
// src is a fixed byte pattern of the block's seed. After each block the parent (another
// process) checks the whole shared array against the same pattern, untimed: a wrong byte is an
// error. Rates in GB/s (1e9 bytes) of the array's size per operation. One untimed block of 2
// reps first (page faults of the fresh segment, JIT), then --blocks blocks of --reps reps.
import { bulkPattern, bulkWorker } from '../shared-tasks.ts';
import { arg, intArg, runMeasurements, withTimeout, unlinkShared, stopChild } from '../lib.ts';
import { loadMultiproc, type MP } from './common.ts';

const context = arg('context', 'process');
const blocks = intArg('blocks', 2);
const reps = intArg('reps', 3);
const size = intArg('mib', 100) * 2 ** 20;
const { mp, loadError } = await loadMultiproc();

interface Times {
  memcpy: number[];
  memcmp: number[];
  write: number[];
  read: number[];
  error?: string;
}

if (!mp || mp.isMainEntry(import.meta.url)) {
  let conn: MP = null;
  let proc: MP = null;
  let arr: MP = null;
  const extra: Record<string, unknown> = { context, mpError: loadError, bytes: size };
  await runMeasurements(
    [
      [
        'bulk',
        async () => {
          if (!mp) throw new Error(loadError!);
          const ctx = mp.getContext(context);
          arr = ctx.SharedArray('B', size);
          const [a, b] = ctx.Pipe();
          conn = a;
          proc = new ctx.Process({ target: bulkWorker, args: [arr, b] });
          proc.start();
          const view = arr.view as Uint8Array;
          const shm = Buffer.from(view.buffer, view.byteOffset, view.length);
          const gbps = (ms: number) => size / 1e9 / (ms / 1000);
          const samples: Record<string, number[]> = { memcpy_gb_s: [], memcmp_gb_s: [], mp_write_gb_s: [], mp_read_gb_s: [] };
          for (let k = -1; k < blocks; k++) {
            const seed = k + 2;
            await conn.send({ seed, reps: k < 0 ? 2 : reps });
            const t = (await withTimeout(conn.recv(), 60_000, 'bulk block')) as Times;
            if (t.error) throw new Error(t.error);
            if (Buffer.compare(shm, bulkPattern(size, seed)) !== 0) {
              throw new Error(`the parent does not see the child's pattern in the shared array (seed ${seed})`);
            }
            if (k < 0) continue;
            samples.memcpy_gb_s.push(...t.memcpy.map(gbps));
            samples.memcmp_gb_s.push(...t.memcmp.map(gbps));
            samples.mp_write_gb_s.push(...t.write.map(gbps));
            samples.mp_read_gb_s.push(...t.read.map(gbps));
          }
          return samples;
        },
      ],
    ],
    extra,
    async () => {
      if (conn && proc) await stopChild(conn, proc, 'bulk');
      unlinkShared(arr);
    },
  );
}
