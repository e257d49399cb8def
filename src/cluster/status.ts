// `multiproc status`: the live workers of a cluster (host, pid, processes, running, done, last
// heartbeat) and its task counts, as a table or --json.
import { loadBullMQ, loadIORedis } from './deps.js';
import { readWorkers } from './registry.js';

export async function runStatus(a: { redis: string; name: string; json: boolean; connectTimeout: number }): Promise<void> {
  const [{ Queue }, RedisCtor] = await Promise.all([loadBullMQ(), loadIORedis()]);
  const client = new RedisCtor(a.redis, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: a.connectTimeout, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    process.stderr.write(`multiproc status: cannot reach Redis at ${a.redis}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
    return;
  }
  const queue = new Queue(a.name, { connection: client, prefix: a.name });
  try {
    const [workers, counts] = await Promise.all([readWorkers(client, a.name), queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')]);
    if (a.json) {
      process.stdout.write(JSON.stringify({ name: a.name, workers, tasks: counts }) + '\n');
      return;
    }
    const now = Date.now();
    const lines = [`cluster '${a.name}': ${workers.length} worker(s); tasks waiting ${counts.waiting ?? 0}, running ${counts.active ?? 0}`];
    if (workers.length > 0) {
      lines.push('host\tpid\tprocesses\trunning\tdone\tlast seen');
      for (const w of workers) lines.push(`${w.host}\t${w.pid}\t${w.processes}\t${w.running}\t${w.done}\t${((now - w.lastSeen) / 1000).toFixed(1)} s ago`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await queue.close().catch(() => {});
    client.disconnect();
  }
}
