// The soak: n small tasks through Pool.apply (a window of them in flight), n through imap,
// and n items through a Queue from a child to the parent. For each phase: throughput of the
// first and the last 10% of the items, the parent's heap (after a full GC) before and after,
// its RSS, and its active timers. Used by soak/run.ts (1,000,000 each) and test/soak.test.ts
// (fewer, in CI). Warnings (a MaxListenersExceededWarning is a listener leak) are collected.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Pool, Process, Queue } from 'multiproc';

export function inc(x: number): number {
  return x + 1;
}

/** Puts 0..n-1 then null. */
export async function produce(q: Queue<number | null>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await q.put(i);
  await q.put(null);
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export interface PhaseReport {
  phase: string;
  n: number;
  seconds: number;
  firstTenthPerS: number;
  lastTenthPerS: number;
  /** last 10% rate / first 10% rate */
  steadiness: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  heapGrowthMB: number;
  rssAfterMB: number;
  timersBefore: number;
  timersAfter: number;
}

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** Calls `step(i)` for every item as it completes, measuring the phase. */
async function phase(name: string, n: number, body: (done: (i: number) => void) => Promise<void>): Promise<PhaseReport> {
  const heapBefore = heapAfterGc();
  const timersBefore = timers();
  const tenth = Math.max(1, Math.floor(n / 10));
  let count = 0;
  // The clock starts at the first item, so start-up (a child to launch) is not counted as throughput.
  let t0 = 0;
  let firstEnd = 0,
    lastStart = 0;
  await body(() => {
    count++;
    if (count === 1) t0 = performance.now();
    if (count === tenth + 1) firstEnd = performance.now();
    if (count === n - tenth) lastStart = performance.now();
  });
  const t1 = performance.now();
  if (count !== n) throw new Error(`${name}: ${count} of ${n} items completed`);
  const heapAfter = heapAfterGc();
  const first = tenth / ((firstEnd - t0) / 1000);
  const last = tenth / ((t1 - lastStart) / 1000);
  return {
    phase: name,
    n,
    seconds: Math.round((t1 - t0) / 100) / 10,
    firstTenthPerS: Math.round(first),
    lastTenthPerS: Math.round(last),
    steadiness: Math.round((last / first) * 100) / 100,
    heapBeforeMB: mb(heapBefore),
    heapAfterMB: mb(heapAfter),
    heapGrowthMB: mb(heapAfter - heapBefore),
    rssAfterMB: mb(process.memoryUsage().rss),
    timersBefore,
    timersAfter: timers(),
  };
}

export interface SoakOptions {
  context: 'process' | 'thread';
  n: number;
  window?: number;
}

export async function soak({ context, n, window = 64 }: SoakOptions): Promise<{ reports: PhaseReport[]; warnings: string[] }> {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  const reports: PhaseReport[] = [];
  const pool = new Pool({ processes: 2, context });
  try {
    // Warm-up: workers started, code compiled, caches filled, before the first heap reading.
    await pool.map(
      inc,
      Array.from({ length: 2000 }, (_, i) => i),
    );
    reports.push(
      await phase('apply', n, async (done) => {
        let next = 0;
        const lane = async () => {
          while (next < n) {
            const i = next++;
            const r = await pool.apply(inc, [i]);
            if (r !== i + 1) throw new Error(`apply(${i}) gave ${r}`);
            done(i);
          }
        };
        await Promise.all(Array.from({ length: window }, lane));
      }),
    );
    reports.push(
      await phase('imap', n, async (done) => {
        let i = 0;
        for await (const r of pool.imap(
          inc,
          (function* () {
            for (let k = 0; k < n; k++) yield k;
          })(),
          { chunksize: 1 },
        )) {
          if (r !== i + 1) throw new Error(`imap item ${i} gave ${r}`);
          done(i++);
        }
      }),
    );
    const q = new Queue<number | null>();
    reports.push(
      await phase('queue', n, async (done) => {
        const child = new Process({ target: produce, args: [q, n], context });
        child.start();
        for (let i = 0; ; i++) {
          const v = await q.get();
          if (v === null) break;
          if (v !== i) throw new Error(`queue item ${i} was ${v}`);
          done(i);
        }
        await child.join();
      }),
    );
  } finally {
    await pool.terminate();
    process.off('warning', onWarning);
  }
  return { reports, warnings };
}
