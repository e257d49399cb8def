// Progress of one map-like submission (map, starmap, imap, imapUnordered and their async forms),
// counted in items: `onProgress` calls throttled to ~10 a second plus exactly one final call with
// done === total, and an optional terminal bar drawn by cli-progress (an optional peer
// dependency, loaded only when a bar is actually drawn). Any Pool implementation can use it:
// make a tracker with `progressTracker(opts, total)` at the call (null when nothing was asked,
// so a plain map pays nothing), then call `add(items, failed)` as items finish and
// `setTotal(n)` once an iterable's length is known; the final report happens by itself.
import { createRequire } from 'node:module';
import { errors } from '../errors.js';
import { callReporting } from './report.js';

/** What `onProgress` receives. Times in ms. */
export interface Progress {
  /** Items finished, successfully or not. */
  done: number;
  /** Items in the input; undefined while an iterable's length is not known yet. */
  total: number | undefined;
  /** Items that failed (included in `done`). */
  failed: number;
  /** Since the call. */
  elapsedMs: number;
  /** Estimated time left at the average rate so far; undefined while it cannot be estimated. */
  etaMs: number | undefined;
}

/** A stream the bar may be drawn on: drawn only when it is a terminal (`isTTY`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBarOptions {
  /** Where to draw; default process.stderr. Nothing is drawn unless it is a terminal. */
  stream?: ProgressStream;
  /** Text before the bar. */
  label?: string;
}

export interface ProgressOptions {
  /** Called as items finish (at most ~10 times a second) and once at the end with done === total. */
  onProgress?: (progress: Progress) => void;
  /** `true`: a bar on stderr when it is a terminal; or choose the stream and a label. */
  progress?: boolean | ProgressBarOptions;
}

/** Milliseconds between two onProgress calls (the final call is never held back). */
export const PROGRESS_INTERVAL_MS = 100;

/** Throws at the call for options of the wrong type. */
export function checkProgressOptions(opts: ProgressOptions): void {
  const { onProgress, progress } = opts;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw errors.invalidArgType('onProgress must be a function, e.g. { onProgress: ({ done, total }) => ... }');
  }
  if (progress === undefined || typeof progress === 'boolean') return;
  if (progress === null || typeof progress !== 'object') {
    throw errors.invalidArgType('progress must be true, false or { stream?, label? }');
  }
  if (progress.stream !== undefined && (progress.stream === null || typeof progress.stream.write !== 'function')) {
    throw errors.invalidArgType('progress.stream must be a writable stream such as process.stderr');
  }
  if (progress.label !== undefined && typeof progress.label !== 'string') {
    throw errors.invalidArgType('progress.label must be a string');
  }
}

/** Throws ERR_PROGRESS_DEPENDENCY at the call when a bar will be drawn and cli-progress is missing. */
export function checkProgressDependency(opts: ProgressOptions): void {
  const { progress } = opts;
  if (!progress) return;
  const stream = progress === true ? process.stderr : (progress.stream ?? process.stderr);
  if (stream.isTTY) loadCliProgress();
}

/** A tracker for these options, or null when neither onProgress nor a drawable bar was asked for. */
export function progressTracker(opts: ProgressOptions, total: number | undefined): ProgressTracker | null {
  const bar = opts.progress ? makeBar(opts.progress === true ? {} : opts.progress) : null;
  if (!opts.onProgress && !bar) return null;
  return new ProgressTracker(opts.onProgress ?? null, bar, total);
}

export class ProgressTracker {
  #done = 0;
  #failed = 0;
  #total: number | undefined;
  readonly #started = performance.now();
  #lastCall = -Infinity;
  /** The pending report: at most one, at most every PROGRESS_INTERVAL_MS. */
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(
    private readonly onProgress: ((p: Progress) => void) | null,
    private readonly bar: Bar | null,
    total: number | undefined,
  ) {
    this.#total = total;
    bar?.start(this.snapshot());
    this.#check();
  }

  /**
   * `items` more finished, `failed` of them with an error. This runs once per finished task
   * (20,000 times in a map of 20,000 one-item chunks), so it only counts: the clock is read,
   * and onProgress called and the bar updated, by one timer at most ~10 times a second.
   */
  add(items: number, failed = 0): void {
    if (this.#ended || items <= 0) return;
    this.#done += items;
    this.#failed += failed;
    if (this.#total !== undefined && this.#done >= this.#total) {
      this.#check();
      return;
    }
    if (this.#timer === undefined) this.#schedule();
  }

  /** The input's length, once known. */
  setTotal(total: number): void {
    if (this.#ended) return;
    this.#total = total;
    this.#check();
  }

  get ended(): boolean {
    return this.#ended;
  }

  snapshot(): Progress {
    const elapsedMs = performance.now() - this.#started;
    const total = this.#total;
    const done = this.#done;
    const etaMs = total === undefined ? undefined : done >= total ? 0 : done === 0 ? undefined : (elapsedMs / done) * (total - done);
    return { done, total, failed: this.#failed, elapsedMs, etaMs };
  }

  /**
   * A report of what finished since the last one: at once (on the next turn of the event
   * loop) when the last was PROGRESS_INTERVAL_MS ago, else when that much time has passed, so
   * the last items before a pause are reported too. Unref'd: progress alone keeps no program alive.
   */
  #schedule(): void {
    const wait = Math.max(0, this.#lastCall + PROGRESS_INTERVAL_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#ended) return;
      const p = this.snapshot();
      this.bar?.update(p);
      this.#call(p);
    }, wait);
    this.#timer.unref();
  }

  /** The final report, once every item of a known total finished. */
  #check(): boolean {
    if (this.#total === undefined || this.#done < this.#total) return false;
    this.#ended = true;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const last = this.snapshot();
    this.bar?.finish(last);
    this.#call(last);
    return true;
  }

  #call(p: Progress): void {
    this.#lastCall = performance.now();
    if (!this.onProgress) return;
    const onProgress = this.onProgress;
    callReporting('onProgress', () => onProgress(p));
  }
}

// --- The terminal bar ---------------------------------------------------------------------

interface Bar {
  start(p: Progress): void;
  update(p: Progress): void;
  finish(p: Progress): void;
}

type CliProgress = typeof import('cli-progress');
let cliProgress: CliProgress | undefined;

function loadCliProgress(): CliProgress {
  if (cliProgress) return cliProgress;
  try {
    cliProgress = createRequire(import.meta.url)('cli-progress') as CliProgress;
  } catch (cause) {
    throw errors.progressDependency('progress bars need the optional package cli-progress: npm install cli-progress (or pass onProgress instead of progress)', { cause });
  }
  return cliProgress;
}

function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '--';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

function rate(p: Progress): string {
  const r = p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0;
  return r >= 100 ? Math.round(r).toString() : r.toFixed(1);
}

/** The bar's line: `label  42% |████░░░░| 420/1000 | 85.3 items/s | ETA 7s` (total unknown: no bar, elapsed instead of ETA). */
function line(cli: CliProgress, label: string | undefined, p: Progress, barOptions: import('cli-progress').Options): string {
  const head = label ? `${label} ` : '';
  const failed = p.failed > 0 ? ` | ${p.failed} failed` : '';
  if (p.total === undefined) return `${head}${p.done} items | ${rate(p)} items/s | ${duration(p.elapsedMs)} elapsed${failed}`;
  const fraction = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${head}${pct} |${cli.Format.BarFormat(fraction, barOptions)}| ${p.done}/${p.total} | ${rate(p)} items/s | ETA ${duration(p.etaMs)}${failed}`;
}

/** A cli-progress bar on a terminal stream, or null when the stream is not a terminal (nothing to draw). */
function makeBar(o: ProgressBarOptions): Bar | null {
  const stream = o.stream ?? process.stderr;
  if (!stream.isTTY) return null;
  const cli = loadCliProgress();
  let current: Progress | undefined;
  const options: import('cli-progress').Options = {
    stream: stream as NodeJS.WritableStream,
    // Our own line: cli-progress draws it, throttles redraws and handles the terminal.
    format: (opts) => line(cli, o.label, current!, opts),
    barsize: 24,
    hideCursor: false,
    gracefulExit: false,
    fps: 10,
    etaBuffer: 50,
  };
  const bar = new cli.SingleBar(options);
  // cli-progress redraws on a timer of its own; like the pool's idle workers, a bar alone
  // must not keep the program alive (an imap its consumer abandoned never finishes).
  const self = bar as unknown as { render(): void; timer?: NodeJS.Timeout | null };
  const render = self.render.bind(bar);
  self.render = () => {
    render();
    self.timer?.unref();
  };
  return {
    start(p) {
      current = p;
      bar.start(p.total ?? 0, p.done);
    },
    update(p) {
      current = p;
      bar.update(p.done);
    },
    finish(p) {
      current = p;
      if (p.total !== undefined) bar.setTotal(p.total);
      bar.update(p.done);
      bar.stop();
    },
  };
}
