// Figures 7-13: shared objects (Queue, manager dict, Lock, Event) and shared memory (Value
// counter, uncontended lock pairs, 100 MiB SharedArray). Each function runs its scripts and adds
// its rows; goals are those of issue 15. Method notes: bench/README.md.
import { alternate, ctxs, perCtx, pinRows, reps, runScript, PASSES, type JobResult } from './harness.ts';

const k = (n: number) => `${n / 1000}k`;
import { add, atMost, faster, fig } from './report.ts';

// 7, 8, 11 compare separate processes (CPython, then multiproc in each context), which drift
// with the core placement over seconds: two alternating passes (one with --quick) of 3 timed
// blocks each.
const PER_PASS = 3;

// 7. Queue throughput: a child Process puts, the parent gets (one child per load)

export async function figure7(): Promise<void> {
  // 2,000 x 64 KiB = 131 MB per timed block. Rates do not depend on the count: --quick halves it.
  const [nInts, nBlobs] = [reps(200_000, 100_000), reps(2_000, 1_000)];
  const r = await alternate(PASSES, {
    py: ['cpython Queue [spawn]', 'python', 'bench/python/shared.py', ['queue', String(PER_PASS), String(nInts), String(nBlobs)], { timeoutMs: 90_000 }],
    ...perCtx('multiproc Queue', 'bench/mp/queue.ts', [`--reps=${PER_PASS}`, `--ints=${nInts}`, `--blobs=${nBlobs}`], { timeoutMs: 90_000 }),
  });
  const py = 'CPython mp.Queue [spawn]';
  for (const ctx of ctxs) {
    add(7, ctx, 'items/s', `Queue: child puts ${k(nInts)} ints, parent gets`, fig(r[ctx], 'mp_queue_ints_per_s'), py, fig(r.py, 'py_queue_ints_per_s'), faster(3));
    add(7, ctx, 'MB/s', `Queue: same with 64 KiB Buffers (${nBlobs.toLocaleString('en')})`, fig(r[ctx], 'mp_queue_64k_mb_s'), py, fig(r.py, 'py_queue_64k_mb_s'), faster(1));
  }
}

// 8. Manager dict: a child sets 20,000 keys through a proxy. Against CPython, and against the raw
// Unix-socket round trip that bench/mp/manager.ts interleaves (`mp_dict_us`, `raw_unix_us`).

export async function figure8(): Promise<void> {
  const n = reps(20_000, 10_000); // a rate: --quick halves the count
  const r = await alternate(PASSES, {
    py: ['cpython Manager().dict() [spawn]', 'python', 'bench/python/shared.py', ['dict', String(PER_PASS), String(n)]],
    ...perCtx('multiproc Manager().dict()', 'bench/mp/manager.ts', [`--reps=${PER_PASS}`, `--n=${n}`]),
  });
  const raw = { ...atMost(1.2), ifMissing: 'bench/mp/manager.ts does not emit mp_dict_us / raw_unix_us yet' };
  for (const ctx of ctxs) {
    add(
      8,
      ctx,
      'ops/s',
      `manager dict: child d.set(i % 100, i) x${k(n)}`,
      fig(r[ctx], 'mp_dict_ops_per_s'),
      'CPython Manager().dict() [spawn]',
      fig(r.py, 'py_dict_ops_per_s'),
      faster(1),
    );
    add(8, ctx, 'us', '  same, µs per set vs raw round trip', fig(r[ctx], 'mp_dict_us'), 'raw unix socket frames', fig(r[ctx], 'raw_unix_us'), raw);
  }
  if (!pinRows) return;
  // Both pinned to CPU 0 (parent, child and manager server share it): no cross-core wake-ups.
  const pyPin = await runScript('cpython Manager().dict() [spawn]', 'python', 'bench/python/shared.py', ['dict', '5', String(n)], { pin: true });
  const mpPin = await runScript('multiproc Manager().dict() (process)', 'node-tsx', 'bench/mp/manager.ts', ['--context=process', '--reps=5', `--n=${n}`], { pin: true });
  add(8, 'process', 'ops/s', '  same, both pinned to one core', fig(mpPin, 'mp_dict_ops_per_s'), 'CPython Manager().dict() [spawn]', fig(pyPin, 'py_dict_ops_per_s'), faster());
}

// 9, 10. Lock pair and Event set-to-wake from a child (raw unix-socket floor interleaved in
// the same process); CPython's shared-memory Lock and Event for reference.

export async function figure9and10(want9: boolean, want10: boolean): Promise<void> {
  const n = reps(5, 3);
  const py = await runScript('cpython Lock / Event [spawn]', 'python', 'bench/python/shared.py', ['sync', String(n), '20000', '300']);
  const res: Partial<Record<string, JobResult>> = {};
  for (const ctx of ctxs) res[ctx] = await runScript(`Lock + Event + raw floor (${ctx})`, 'node-tsx', 'bench/mp/sync.ts', [`--context=${ctx}`, `--rounds=${n}`]);
  const pinned = pinRows ? await runScript('Lock + Event + raw floor (process)', 'node-tsx', 'bench/mp/sync.ts', ['--context=process', `--rounds=${n}`], { pin: true }) : undefined;
  const raw = (r: JobResult | undefined) => ['raw unix socket frames', fig(r, 'raw_unix_us')] as const;
  if (want9) {
    for (const ctx of ctxs) {
      add(9, ctx, 'us', 'Lock acquire+release pair from a child', fig(res[ctx], 'mp_lock_pair_us'), ...raw(res[ctx]), atMost(1.5));
      add(9, ctx, 'us', '  per request (pair / 2)', fig(res[ctx], 'mp_lock_req_us'), ...raw(res[ctx]), atMost());
    }
    if (pinned) add(9, 'process', 'us', '  pair, all pinned to one core', fig(pinned, 'mp_lock_pair_us'), ...raw(pinned), atMost());
    add(9, 'process', 'us', '  vs CPython Lock (shared memory)', fig(res.process, 'mp_lock_pair_us'), 'CPython Lock pair', fig(py, 'py_lock_pair_us'), atMost());
  }
  if (want10) {
    for (const ctx of ctxs) add(10, ctx, 'us', 'Event set -> waiting child wakes (+Pipe)', fig(res[ctx], 'mp_event_wake_us'), ...raw(res[ctx]), atMost(1.5));
    if (pinned) add(10, 'process', 'us', '  same, all pinned to one core', fig(pinned, 'mp_event_wake_us'), ...raw(pinned), atMost());
    add(10, 'process', 'us', '  vs CPython Event, same protocol', fig(res.process, 'mp_event_wake_us'), 'CPython Event set->woke', fig(py, 'py_event_wake_us'), atMost());
  }
}

// 11. Value counter: 2 children each do 200,000 locked increments of one Value('i', 0), with
// `await using` and with acquire()/release(); the goal holds for both spellings.

export async function figure11(): Promise<void> {
  const n = 200_000;
  const r = await alternate(PASSES, {
    py: ['cpython Value counter [spawn]', 'python', 'bench/python/shared.py', ['counter', String(PER_PASS), String(n)], { timeoutMs: 90_000 }],
    ...perCtx('multiproc Value counter', 'bench/mp/counter.ts', [`--reps=${PER_PASS}`, `--n=${n}`], { timeoutMs: 90_000 }),
  });
  const py = ['CPython Value get_lock() [spawn]', fig(r.py, 'py_counter_ops_per_s')] as const;
  for (const ctx of ctxs) {
    add(11, ctx, 'ops/s', 'Value: 2 children x 200k, await using', fig(r[ctx], 'mp_counter_ops_per_s'), ...py, faster(3));
    add(11, ctx, 'ops/s', 'Value: same, acquire()/release()', fig(r[ctx], 'mp_counter_acqrel_ops_per_s'), ...py, faster(3));
    add(
      11,
      ctx,
      'ops/s',
      '  one child alone x 200k (no contention)',
      fig(r[ctx], 'mp_counter_solo_ops_per_s'),
      'CPython, one child alone',
      fig(r.py, 'py_counter_solo_ops_per_s'),
      faster(),
    );
  }
}

// 12. Uncontended lock pairs in one process: the Value's shared-memory lock vs CPython's Lock,
// two alternating passes (one with --quick) of 3 blocks each.

export async function figure12(): Promise<void> {
  const { py, mp } = await alternate(PASSES, {
    py: ['cpython Lock / RLock pairs (one process)', 'python', 'bench/python/shared.py', ['lock', '3', '1000000']],
    mp: ['multiproc Value lock / hub Lock pairs (one process)', 'node-tsx', 'bench/mp/shmlock.ts', ['--rounds=3']],
  });
  const pyLock = ['CPython Lock() pair', fig(py, 'py_lock_local_pair_ns')] as const;
  const row = (what: string, key: string) => add(12, 'process', 'ns', what, fig(mp, key), ...pyLock, atMost());
  add(12, 'process', 'ns', 'Value lock: tryAcquire() + releaseSync()', fig(mp, 'mp_shm_sync_pair_ns'), ...pyLock, atMost(1));
  row('  same lock, await acquire + await release', 'mp_shm_pair_ns');
  row('  new Lock(), tryAcquire() + releaseSync()', 'mp_lock_sync_pair_ns');
  row('  same lock, await using lock.enter()', 'mp_shm_enter_ns');
  add(12, 'process', 'ns', '  same vs CPython Value get_lock() (RLock)', fig(mp, 'mp_shm_pair_ns'), 'CPython RLock pair', fig(py, 'py_rlock_local_pair_ns'), atMost());
  row('  Node floor: CAS + 2 awaited promises', 'raw_await_pair_ns');
  add(12, 'process', 'ns', '  hub-based new Lock(), same loop', fig(mp, 'mp_hub_pair_ns'), 'Value lock pair', fig(mp, 'mp_shm_pair_ns'), atMost());
}

// 13. 100 MiB SharedArray('B') written and read through its view in a child, beside memcpy
// between two plain buffers timed in the same child (interleaved rep by rep).

export async function figure13(): Promise<void> {
  for (const ctx of ctxs) {
    const r = await runScript(`multiproc 100 MiB SharedArray + memcpy (${ctx})`, 'node-tsx', 'bench/mp/bulk.ts', [`--context=${ctx}`, '--blocks=2', `--reps=${reps(5, 3)}`]);
    const memcpy = ['memcpy plain.set(src)', fig(r, 'memcpy_gb_s')] as const;
    add(13, ctx, 'GB/s', '100 MiB SharedArray: child view.set(src)', fig(r, 'mp_write_gb_s'), ...memcpy, atMost(2));
    add(13, ctx, 'GB/s', '100 MiB SharedArray: child Buffer.compare', fig(r, 'mp_read_gb_s'), ...memcpy, atMost(2));
    add(13, ctx, 'GB/s', '  same vs compare of 2 plain buffers', fig(r, 'mp_read_gb_s'), 'plain Buffer.compare', fig(r, 'memcmp_gb_s'), atMost());
  }
}
