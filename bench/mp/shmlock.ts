// Figure 12: uncontended lock pairs in one process (no child).
// Four loops run in this process, interleaved block by block (--rounds blocks each after two
// untimed warm-up rounds); mean ns per pair of each block:
//   mp_shm_pair_ns    lock = Value('i', 0).getLock() (a lock in the shared memory):
//                     n x `await lock.acquire(); await lock.release()`
//   mp_shm_enter_ns   the same lock: n x `{ await using _ = await lock.enter(); }`
//   mp_shm_sync_pair_ns  the same lock: n x `lock.tryAcquire(); lock.releaseSync()` (no promise)
//   mp_lock_sync_pair_ns new Lock() (shared memory, the hub as waiting room): the same loop
//   raw_await_pair_ns the Node floor of that loop shape: a compare-and-swap on a plain
//                     SharedArrayBuffer and `await` of an already-resolved promise, twice
//   mp_hub_pair_ns    `new Lock()` (in shared memory where the addon loads; its hub thread runs here):
//                     --nhub x `await lock.acquire(); await lock.release()`
// --context picks the context whose Value and Lock are used (default process).
import { arg, intArg, now, runMeasurements, withTimeout, errMessage, unlinkShared } from '../lib.ts';
import { loadMultiproc, type MP } from './common.ts';

const context = arg('context', 'process');
const rounds = intArg('rounds', 5);
const n = intArg('n', 200_000);
const nHub = intArg('nhub', 1_000);
const { mp, loadError } = await loadMultiproc();

// The floor: what an acquire/release pair costs at least in Node when both return promises.
const floorWords = new Int32Array(new SharedArrayBuffer(16));
const resolvedTrue = (): Promise<boolean> => Promise.resolve(Atomics.compareExchange(floorWords, 0, 0, 1) === 0);
const resolvedVoid = (): Promise<void> => {
  Atomics.store(floorWords, 0, 0);
  return Promise.resolve();
};

if (!mp || mp.isMainEntry(import.meta.url)) {
  const extra: Record<string, unknown> = { context, mpError: loadError };
  const errors: Record<string, string | null> = { shm: loadError, hub: loadError };
  let value: MP = null;
  await runMeasurements(
    [
      [
        'shmlock',
        async () => {
          const samples: Record<string, number[]> = {
            raw_await_pair_ns: [],
            mp_shm_pair_ns: [],
            mp_shm_enter_ns: [],
            mp_shm_sync_pair_ns: [],
            mp_lock_sync_pair_ns: [],
            mp_hub_pair_ns: [],
          };
          type SyncPair = { tryAcquire(): boolean; releaseSync(): void };
          let shmLock: (SyncPair & { acquire(): Promise<boolean>; release(): Promise<void>; enter(): Promise<AsyncDisposable> }) | null = null;
          let hubLock: (SyncPair & { acquire(): Promise<boolean>; release(): Promise<void> }) | null = null;
          const syncLoop = (lock: SyncPair) => async () => {
            for (let i = 0; i < n; i++) {
              if (!lock.tryAcquire()) throw new Error('tryAcquire failed on an uncontended lock');
              lock.releaseSync();
            }
          };
          if (mp) {
            const ctx = mp.getContext(context);
            try {
              value = ctx.Value('i', 0);
              shmLock = value.getLock();
            } catch (e) {
              errors.shm = errMessage(e);
            }
            try {
              hubLock = new ctx.Lock();
            } catch (e) {
              errors.hub = errMessage(e);
            }
          }
          const time = async (k: number, body: () => Promise<void>): Promise<number> => {
            const t0 = now();
            await body();
            return ((now() - t0) * 1e6) / k;
          };
          for (let r = -2; r < rounds; r++) {
            const keep = (key: string, ns: number) => {
              if (r >= 0) samples[key].push(ns);
            };
            keep(
              'raw_await_pair_ns',
              await time(n, async () => {
                for (let i = 0; i < n; i++) {
                  if (!(await resolvedTrue())) throw new Error('floor: CAS failed');
                  await resolvedVoid();
                }
              }),
            );
            if (shmLock && !errors.shm) {
              const lock = shmLock;
              try {
                keep(
                  'mp_shm_pair_ns',
                  await withTimeout(
                    time(n, async () => {
                      for (let i = 0; i < n; i++) {
                        await lock.acquire();
                        await lock.release();
                      }
                    }),
                    30_000,
                    'Value lock block',
                  ),
                );
                keep(
                  'mp_shm_enter_ns',
                  await withTimeout(
                    time(n, async () => {
                      for (let i = 0; i < n; i++) {
                        await using _held = await lock.enter();
                      }
                    }),
                    30_000,
                    'Value lock enter() block',
                  ),
                );
                keep('mp_shm_sync_pair_ns', await withTimeout(time(n, syncLoop(lock)), 30_000, 'Value lock sync block'));
              } catch (e) {
                errors.shm = errMessage(e);
              }
            }
            if (hubLock && !errors.hub) {
              const lock = hubLock;
              try {
                keep(
                  'mp_hub_pair_ns',
                  await withTimeout(
                    time(nHub, async () => {
                      for (let i = 0; i < nHub; i++) {
                        await lock.acquire();
                        await lock.release();
                      }
                    }),
                    60_000,
                    'hub Lock block',
                  ),
                );
                if (typeof lock.tryAcquire === 'function') keep('mp_lock_sync_pair_ns', await withTimeout(time(n, syncLoop(lock)), 30_000, 'Lock sync block'));
              } catch (e) {
                errors.hub = errMessage(e);
              }
            }
          }
          // A failed figure reports its own error (bench/run.ts reads mpError for mp_ keys).
          if (errors.shm) {
            delete samples.mp_shm_pair_ns;
            delete samples.mp_shm_enter_ns;
            delete samples.mp_shm_sync_pair_ns;
            extra.mpError ??= `shm lock: ${errors.shm}`;
          }
          if (errors.hub) {
            delete samples.mp_hub_pair_ns;
            delete samples.mp_lock_sync_pair_ns;
            extra.mpError ??= `hub Lock: ${errors.hub}`;
          }
          extra.shmError = errors.shm;
          extra.hubError = errors.hub;
          return samples;
        },
      ],
    ],
    extra,
    async () => unlinkShared(value),
  );
}
