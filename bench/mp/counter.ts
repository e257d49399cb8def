// Figure 11: a shared counter incremented under its lock by 2 children.
// The parent makes `counter = Value('i', 0)` and starts 2 children (`counterWorker`,
// bench/shared-tasks.ts; processes or worker threads per --context), each with its own Pipe.
// A block: the parent zeroes the counter, sends the order n to both children, and waits for
// both answers; each child does n x `{ await using _ = await lock.enter(); counter.value += 1 }`.
// mp_counter_ops_per_s = 2n / (time from the first order to the second answer); every block
// checks counter.value === 2n (a lost update is an error). One untimed block of n/10 first.
// Info, one block of each after each timed block, same children:
//   mp_counter_solo_ops_per_s  the same n increments by the first child alone (no contention)
//   mp_counter_acqrel_ops_per_s  both children, `await lock.acquire(); counter.value += 1;
//                              await lock.release()` instead of `await using` (under tsx,
//                              `await using` is lowered to helper calls: its own cost)
import { counterWorker } from '../shared-tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout, unlinkShared, stopChild } from '../lib.ts';
import { loadMultiproc, type MP } from './common.ts';

const context = arg('context', 'process');
const reps = intArg('reps', 2);
const n = intArg('n', 200_000);
const { mp, loadError } = await loadMultiproc();

if (!mp || mp.isMainEntry(import.meta.url)) {
  const kids: Array<{ conn: MP; proc: MP }> = [];
  let counter: MP = null;
  const extra: Record<string, unknown> = { context, mpError: loadError };
  await runMeasurements(
    [
      [
        'counter',
        async () => {
          if (!mp) throw new Error(loadError!);
          const ctx = mp.getContext(context);
          counter = ctx.Value('i', 0);
          for (let k = 0; k < 2; k++) {
            const [a, b] = ctx.Pipe();
            const proc = new ctx.Process({ target: counterWorker, args: [counter, b] });
            proc.start();
            kids.push({ conn: a, proc });
          }
          const block = async (k: number, who = kids, form = 'enter'): Promise<number> => {
            counter.value = 0;
            const t0 = now();
            for (const kid of who) await kid.conn.send({ n: k, form });
            const back = await withTimeout(Promise.all(who.map((kid) => kid.conn.recv())), 60_000, 'counter block');
            const dt = now() - t0;
            if (back.some((x) => x !== k)) throw new Error(`children answered ${JSON.stringify(back)}`);
            const total = counter.value;
            const want = who.length * k;
            if (total !== want) throw new Error(`wrong total: counter.value = ${total} after ${who.length} x ${k} locked increments (expected ${want})`);
            return dt;
          };
          await block(Math.ceil(n / 10));
          await block(Math.ceil(n / 10), kids, 'pair');
          const out: number[] = [];
          const solo: number[] = [];
          const acqrel: number[] = [];
          for (let r = 0; r < reps; r++) {
            out.push(((2 * n) / (await block(n))) * 1000);
            solo.push((n / (await block(n, kids.slice(0, 1)))) * 1000);
            acqrel.push(((2 * n) / (await block(n, kids, 'pair'))) * 1000);
          }
          return { mp_counter_ops_per_s: out, mp_counter_solo_ops_per_s: solo, mp_counter_acqrel_ops_per_s: acqrel };
        },
      ],
    ],
    extra,
    async () => {
      for (const { conn, proc } of kids) await stopChild(conn, proc, 'counter');
      unlinkShared(counter);
    },
  );
}
