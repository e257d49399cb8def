// What pool.stats() reports: counters of how tasks ended and the distributions of their wait
// and run times, kept in Node's perf_hooks histograms (HDR, no percentile code of our own).
// stats() must stay cheap enough to poll (every 10 ms costs a busy pool < 1%): the histograms
// keep 2 significant figures (a percentile walks ~10x fewer buckets than with 3; 1% is plenty
// for times in ms), and the mean and max come from a running sum and maximum (the histogram's
// own mean walks every bucket), so a snapshot is two short walks per histogram, and none when
// no task ended since the last one.
// Any Pool implementation can use it: call `waited(ms)` when a task starts running,
// `ran(ms, outcome)` when it ends (or `ended(outcome)` when it ends without having run),
// `retry()` when a lost task is run again, and `snapshot(gauges)` with the live counts it
// alone knows (workers, queued, running, capacity).
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** A distribution of times in ms. All 0 before the first sample. */
export interface TimeSummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface PoolStats {
  /** Workers alive now (starting, running, or stopping and not yet exited). */
  processes: number;
  /** Live workers running no task. */
  idle: number;
  /** Live workers running at least one task. */
  busy: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks sent to a worker and not finished. */
  running: number;
  /** Tasks that succeeded (a map chunk is one task). */
  completed: number;
  /** Tasks that failed with an error of their own, a timeout, an abort or the pool's end. */
  failed: number;
  /** Tasks that failed because their worker died (WorkerLostError). */
  lost: number;
  /** Runs again of tasks whose worker died (`retries`). */
  retried: number;
  /** Share of the pool's task capacity (processes x tasksPerWorker) spent running tasks since it was made, 0..1. */
  utilization: number;
  /** From submission until a worker started the task. */
  waitTime: TimeSummary;
  /** From start until the result arrived. */
  runTime: TimeSummary;
}

/** What only the pool itself knows at the moment of a snapshot. */
export interface PoolGauges {
  processes: number;
  idle: number;
  busy: number;
  queued: number;
  running: number;
  /** Tasks the pool can run at once when full (processes x tasksPerWorker). */
  capacity: number;
}

export type TaskEnd = 'completed' | 'failed' | 'lost';

/** Histograms take integers >= 1: times are kept in microseconds. */
const US_PER_MS = 1000;

const EMPTY: TimeSummary = Object.freeze({ mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });

/** One distribution of times: an HDR histogram for the percentiles, exact sum and maximum beside it. */
class TimeDistribution {
  readonly #h: RecordableHistogram = createHistogram({ figures: 2 });
  #count = 0;
  #sumMs = 0;
  #maxMs = 0;
  /** The last summary and the count it was made at: unchanged counts reuse it. */
  #summary: TimeSummary = EMPTY;
  #summaryCount = 0;

  record(ms: number): void {
    const t = Math.max(0, ms);
    this.#h.record(Math.max(1, Math.round(t * US_PER_MS)));
    this.#count++;
    this.#sumMs += t;
    if (t > this.#maxMs) this.#maxMs = t;
  }

  get sumMs(): number {
    return this.#sumMs;
  }

  summary(): TimeSummary {
    if (this.#count === 0) return { ...EMPTY };
    if (this.#summaryCount !== this.#count) {
      const max = this.#maxMs;
      // A percentile is its bucket's upper edge (within 1%): never above the exact maximum.
      const pct = (p: number) => Math.min(max, this.#h.percentile(p) / US_PER_MS);
      this.#summary = { mean: this.#sumMs / this.#count, p50: pct(50), p90: pct(90), p99: pct(99), max };
      this.#summaryCount = this.#count;
    }
    return { ...this.#summary };
  }
}

export class StatsRecorder {
  completed = 0;
  failed = 0;
  lost = 0;
  retried = 0;
  readonly #wait = new TimeDistribution();
  readonly #run = new TimeDistribution();
  readonly #since = performance.now();

  /** A task started running after waiting `ms`. */
  waited(ms: number): void {
    this.#wait.record(ms);
  }

  /** A task that ran for `ms` ended. */
  ran(ms: number, end: TaskEnd): void {
    this.#run.record(ms);
    this[end]++;
  }

  /** A task ended without running (refused, cancelled, the pool's end). */
  ended(end: TaskEnd): void {
    this[end]++;
  }

  retry(): void {
    this.retried++;
  }

  snapshot(g: PoolGauges): PoolStats {
    const elapsed = performance.now() - this.#since;
    const utilization = elapsed > 0 && g.capacity > 0 ? Math.min(1, this.#run.sumMs / (elapsed * g.capacity)) : 0;
    return {
      processes: g.processes,
      idle: g.idle,
      busy: g.busy,
      queued: g.queued,
      running: g.running,
      completed: this.completed,
      failed: this.failed,
      lost: this.lost,
      retried: this.retried,
      utilization,
      waitTime: this.#wait.summary(),
      runTime: this.#run.summary(),
    };
  }
}
