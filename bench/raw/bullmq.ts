// Raw BullMQ anchors for figure 15 (bench/cluster.ts starts this in its own process):
//   --mode=bulk  N jobs added with addBulk (bulks of 1,000) and run by one Worker with
//                concurrency 2 and a trivial processor in this process: jobs/s to the last completion.
//   --mode=rtt   sequential queue.add -> job.waitUntilFinished(queueEvents), per round trip (µs).
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { arg, intArg, now, runMeasurements } from '../lib.ts';

const url = arg('redis', 'redis://127.0.0.1:6379');
const mode = arg('mode', 'bulk');
const reps = intArg('reps', 5);
const n = intArg('n', 20_000);
const conns: Redis[] = [];
const conn = () => {
  const c = new Redis(url, { maxRetriesPerRequest: null });
  conns.push(c);
  return c;
};

async function bulk(): Promise<Record<string, number[]>> {
  const rates: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const name = `rawbulk${rep}`;
    const queue = new Queue(name, { connection: conn(), prefix: name });
    let done = 0;
    let finish!: () => void;
    const all = new Promise<void>((r) => {
      finish = r;
    });
    const worker = new Worker(name, async (job) => (job.data as { x: number }).x * 2, { connection: conn(), prefix: name, concurrency: 2 });
    worker.on('completed', () => {
      if (++done === n) finish();
    });
    await worker.waitUntilReady();
    const t0 = now();
    for (let i = 0; i < n; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 't', data: { x: i + k }, opts: { removeOnComplete: true } })));
    }
    await all;
    rates.push(n / ((now() - t0) / 1000));
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
  return { raw_bulk_ips: rates };
}

async function rtt(): Promise<Record<string, number[]>> {
  const name = 'rawrtt';
  const queue = new Queue(name, { connection: conn(), prefix: name });
  const events = new QueueEvents(name, { connection: conn(), prefix: name });
  const worker = new Worker(name, async (job) => (job.data as { x: number }).x * 2, { connection: conn(), prefix: name, concurrency: 2 });
  await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
  const us: number[] = [];
  for (let rep = 0; rep < reps + 1; rep++) {
    const rounds = 300;
    const t0 = now();
    for (let i = 0; i < rounds; i++) {
      // Kept briefly after completion: waitUntilFinished needs the job's key.
      const job = await queue.add('t', { x: i }, { removeOnComplete: { age: 10 } });
      await job.waitUntilFinished(events, 30_000);
    }
    if (rep > 0) us.push(((now() - t0) / rounds) * 1000); // the first round warms up
  }
  await worker.close();
  await events.close();
  await queue.close();
  return { raw_rtt_us: us };
}

await runMeasurements([[mode, mode === 'rtt' ? rtt : bulk]], {}, async () => {
  for (const c of conns) c.disconnect();
});
