// Figures 9 and 10: Lock and Event latency from a child, beside the raw channel round trip.
// Three measurements run IN THIS PROCESS, interleaved block by block (round-trip latency on
// this VM is bimodal and drifts over seconds, so all three must see the same machine state):
//   raw_unix_us     the floor: a bare child process connected over a unix socket, echoing
//                   length-prefixed frames (bench/raw), mean µs per round trip of --n
//   mp_lock_pair_us a child Process (`lockLoop`, bench/shared-tasks.ts) times --nlock x
//                   `await lock.acquire(); await lock.release()` on a Lock made here (its hub
//                   runs in this process); mean µs per pair (two requests to the hub);
//                   mp_lock_req_us is the same / 2 (per request)
//   mp_event_wake_us set-to-wake: a child (`eventWaiter`) is waiting on an Event (the hub has
//                   the wait); this process calls `ev.set()` and the child answers 'woke' on a
//                   Pipe; mean µs from the set() call to the answer, over --nevent wakes.
//                   Re-arming (clear, order, 'armed') is outside the timed part.
import { eventWaiter, lockLoop } from '../shared-tasks.ts';
import { arg, intArg, now, runMeasurements, withTimeout, errMessage, stopChild } from '../lib.ts';
import { openRaw, type RawTransport } from '../raw/transports.ts';
import { loadMultiproc, type MP } from './common.ts';

const context = arg('context', 'process');
const rounds = intArg('rounds', 5);
const n = intArg('n', 1000);
const nLock = intArg('nlock', 1000);
const nEvent = intArg('nevent', 300);
const { mp, loadError } = await loadMultiproc();

if (!mp || mp.isMainEntry(import.meta.url)) {
  let raw: RawTransport | null = null;
  const kids: Array<{ conn: MP; proc: MP }> = [];
  const errors: Record<string, string | null> = { lock: loadError, event: loadError };
  const extra: Record<string, unknown> = { context, mpError: loadError };
  const samples: Record<string, number[]> = { raw_unix_us: [], mp_lock_pair_us: [], mp_lock_req_us: [], mp_event_wake_us: [] };
  await runMeasurements(
    [
      [
        'sync',
        async () => {
          raw = await openRaw('unix');
          for (let i = 0; i < 1000; i++) await raw.rt({ i, s: 'ping' });
          let lockConn: MP = null;
          let ev: MP = null;
          let evConn: MP = null;
          const lockBlock = async (k: number): Promise<number> => {
            await lockConn.send(k);
            return (await withTimeout(lockConn.recv(), 60_000, 'lock block')) as number;
          };
          const eventBlock = async (k: number): Promise<number> => {
            let total = 0;
            for (let i = 0; i < k; i++) {
              await ev.clear();
              await evConn.send(1);
              const armed = await withTimeout(evConn.recv(), 30_000, 'Event wait (armed)');
              if (armed !== 'armed') throw new Error(`child answered ${String(armed)}`);
              const t0 = now();
              const set = ev.set();
              const woke = await withTimeout(evConn.recv(), 30_000, 'Event wake');
              total += now() - t0;
              await set;
              if (woke !== 'woke') throw new Error(`child answered ${String(woke)}`);
            }
            return total;
          };
          if (mp) {
            const ctx = mp.getContext(context);
            try {
              const lock = new ctx.Lock();
              const [a, b] = ctx.Pipe();
              const proc = new ctx.Process({ target: lockLoop, args: [lock, b] });
              proc.start();
              kids.push({ conn: a, proc });
              lockConn = a;
              await lockBlock(1000);
            } catch (e) {
              errors.lock = errMessage(e);
            }
            try {
              ev = new ctx.Event();
              const [a, b] = ctx.Pipe();
              const proc = new ctx.Process({ target: eventWaiter, args: [ev, b] });
              proc.start();
              kids.push({ conn: a, proc });
              evConn = a;
              await eventBlock(200);
            } catch (e) {
              errors.event = errMessage(e);
            }
          }
          // Rounds -2 and -1 are more warm-up (the first rounds run slow: JIT tiers of this
          // process, the hub thread and the children still settle); not recorded.
          for (let r = -2; r < rounds; r++) {
            const t0 = now();
            for (let i = 0; i < n; i++) await raw.rt({ i, s: 'ping' });
            if (r >= 0) samples.raw_unix_us.push(((now() - t0) * 1000) / n);
            if (!errors.lock) {
              try {
                const ms = await lockBlock(nLock);
                if (r >= 0) {
                  samples.mp_lock_pair_us.push((ms * 1000) / nLock);
                  samples.mp_lock_req_us.push((ms * 1000) / nLock / 2);
                }
              } catch (e) {
                errors.lock = errMessage(e);
              }
            }
            if (!errors.event) {
              try {
                const ms = await eventBlock(nEvent);
                if (r >= 0) samples.mp_event_wake_us.push((ms * 1000) / nEvent);
              } catch (e) {
                errors.event = errMessage(e);
              }
            }
          }
          // A failed figure reports its own error (bench/run.ts reads mpError for mp_ keys).
          for (const k of ['lock', 'event'] as const) {
            if (errors[k]) {
              if (k === 'lock') {
                delete samples.mp_lock_pair_us;
                delete samples.mp_lock_req_us;
              } else delete samples.mp_event_wake_us;
              extra.mpError ??= `${k}: ${errors[k]}`;
            }
          }
          extra.lockError = errors.lock;
          extra.eventError = errors.event;
          return samples;
        },
      ],
    ],
    extra,
    async () => {
      raw?.close();
      for (const { conn, proc } of kids) await stopChild(conn, proc, 'sync');
    },
  );
}
