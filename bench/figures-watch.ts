// Figures 14 (watching and sizing a pool, bench/mp/watch.ts) and 15 (the cluster context on a
// private Redis, bench/cluster.ts, anchors bench/raw/bullmq.ts). Each function runs its
// scripts and adds its rows. Method notes: bench/README.md.
import { ctxs, reps, runScript } from './harness.ts';
import { add, atMost, fig, pairedAtMost, speedup } from './report.ts';

// 14. Figure 2's map with onProgress and with stats() read every 10 ms against the same map
// without (interleaved in one process, judged by the median of per-round ratios to the mean of
// the round's two maps without; info rows: the main thread's CPU time, steadier on a busy
// machine, and an A/A row, the plain map against itself, for the noise floor); an idle
// pool with minProcesses 0 back to zero workers (anchor: its idleTimeout); tasksPerWorker 16
// vs 1 on 1,000 async 10 ms waits.

export async function figure14(): Promise<void> {
  for (const ctx of ctxs) {
    const r = await runScript(`multiproc watch and size (${ctx})`, 'node-tsx', 'bench/mp/watch.ts', [`--context=${ctx}`, `--reps=${reps(5, 3)}`], { timeoutMs: 180_000 });
    const plain = ['same map without', fig(r, 'mp_watch_plain_ms')] as const;
    const plainCpu = ['same map without', fig(r, 'mp_watch_plain_cpu_ms')] as const;
    const cpu = (key: string) => add(14, ctx, 'ms', '  same, main-thread CPU', fig(r, key), ...plainCpu, atMost());
    // Judged by the median of per-round ratios (the maps of one round run back to back; bench/mp/watch.ts).
    add(14, ctx, 'ms', '20k x map(chunksize 1) with onProgress', fig(r, 'mp_watch_progress_ms'), ...plain, pairedAtMost(fig(r, 'mp_watch_progress_paired'), 1.03));
    cpu('mp_watch_progress_cpu_ms');
    add(14, ctx, 'ms', '20k x map(chunksize 1), stats() every 10 ms', fig(r, 'mp_watch_stats_ms'), ...plain, pairedAtMost(fig(r, 'mp_watch_stats_paired'), 1.03));
    cpu('mp_watch_stats_cpu_ms');
    add(14, ctx, 'ms', '  A/A: the same map without, again', fig(r, 'mp_watch_again_ms'), ...plain, pairedAtMost(fig(r, 'mp_watch_again_paired')));
    cpu('mp_watch_again_cpu_ms');
    add(14, ctx, 'ms', 'idle Pool(2, minProcesses 0) -> 0 workers', fig(r, 'mp_idle_zero_ms'), 'its idleTimeout', fig(r, 'idle_timeout_ms'), atMost(1.5));
    add(14, ctx, 'ms', '1,000 x 10 ms async waits, tasksPerWorker 16', fig(r, 'mp_tpw16_ms'), 'tasksPerWorker 1', fig(r, 'mp_tpw1_ms'), speedup(10));
  }
}

// 15. The cluster context, one `multiproc worker` with 2 processes on this machine; anchors: raw
// BullMQ (its own process) and a local process Pool(2). Skipped with one line without redis-server.

export async function figure15(): Promise<void> {
  const { redisUnavailable, startRedis } = await import('../test/support/redis-server.ts');
  const why = redisUnavailable();
  if (why) {
    console.log(`figure 15 (cluster) skipped: ${why}`);
    return;
  }
  const redis = await startRedis();
  try {
    const args = [`--redis=${redis.url}`, `--reps=${reps(5, 3)}`];
    const c = await runScript('multiproc cluster (1 worker, 2 processes)', 'node-tsx', 'bench/cluster.ts', args, { timeoutMs: 900_000 });
    const bulk = await runScript('raw BullMQ addBulk + Worker(concurrency 2)', 'node-tsx', 'bench/raw/bullmq.ts', [...args, '--mode=bulk'], { timeoutMs: 600_000 });
    const rtt = await runScript('raw BullMQ add -> waitUntilFinished', 'node-tsx', 'bench/raw/bullmq.ts', [...args, '--mode=rtt'], { timeoutMs: 300_000 });
    add(15, 'cluster', 'items/s', '20k x cluster apply at once', fig(c, 'cluster_apply_ips'), 'raw BullMQ addBulk+Worker(2)', fig(bulk, 'raw_bulk_ips'), atMost(1.25));
    add(15, 'cluster', 'ms', 'cluster map x*2 over 200k ints', fig(c, 'cluster_map_ms'), 'local process Pool(2).map', fig(c, 'local_map_ms'), atMost(3));
    add(15, 'cluster', 'us', 'sequential await cluster apply', fig(c, 'cluster_rtt_us'), 'raw BullMQ add->waitUntilFinished', fig(rtt, 'raw_rtt_us'), atMost(1.5));
  } finally {
    await redis.stop();
  }
}
