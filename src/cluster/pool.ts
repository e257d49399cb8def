// The cluster Pool: the local Pool's API (apply/map/starmap/imap and their async forms,
// callbacks, timeout, signal, retries, close/join/terminate, await using) with its tasks run
// by whichever machines run `multiproc worker` for this cluster. AsyncResult and the imap
// iterator are the local ones; the engine underneath is the context's ClusterCore. Like the
// local Pool it reports progress (onProgress / progress), stats() and events (workerStart and
// workerExit for machines that register or vanish, drain), with what a submitter can know:
// see stats() and machines.ts.
import { EventEmitter } from 'node:events';
import { pack, type Prepared } from '../codec/codec.js';
import { MIN_NUMBER_ARRAY, numberWidth, packNumbers } from '../codec/numbers.js';
import { WorkerLostError, errors } from '../errors.js';
import { toFnRef } from '../functions/reference.js';
import { Mode } from '../protocol/runtime.js';
import { type AsyncResult, withCallbacks } from '../pool/async-result.js';
import { ImapIterator } from '../pool/imap.js';
import type { Outcome, SubmitOptions } from '../pool/task.js';
import { checkProgressDependency, checkProgressOptions, progressTracker } from '../pool/progress.js';
import { StatsRecorder, type PoolStats } from '../pool/stats.js';
import { emitSafely, type PoolEvents } from '../pool/events.js';
import { MachineWatch } from './machines.js';
import type { WorkerRecord } from './registry.js';
import type { AsyncOptions, MapAsyncOptions, MapOptions } from '../pool/pool.js';
import type { ClusterCore } from './core.js';
import { checkArgs, checkChunksize, checkIterable, checkSubmitOptions, isAsyncIterable, prepareChunk, prepareForCluster } from './checks.js';
import { wireFn } from './refs.js';
import type { WireFn } from './wire.js';

type Item<F> = F extends (item: infer T) => unknown ? T : never;
type AnyFn = (...args: never[]) => unknown;

/** Options of `new cluster.Pool()`. The workers' sizes are set where they run (`--processes`). */
export interface ClusterPoolOptions {
  /** Ignored: kept so code written for the local Pool runs unchanged. */
  processes?: number;
}

/** Processes assumed for default chunk sizes while no worker is registered. */
const ASSUMED_PROCESSES = 4;

/** Items of a chunk's outcome that failed. */
function failedItems(o: Outcome, items: number): number {
  return o.ok === true ? 0 : o.ok === false ? items : o.errors.length;
}

/** The chunks' results (arrays, or typed arrays of numbers) as one array, in order. */
function joinParts(parts: ArrayLike<unknown>[], total: number): unknown[] {
  if (parts.every((p) => Array.isArray(p))) return ([] as unknown[]).concat(...(parts as unknown[][]));
  const out = new Array<unknown>(total);
  let at = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) out[at++] = p[i];
  return out;
}

const terminated = () => errors.poolTerminated('the pool was terminated before this result was ready');

export class ClusterPool extends EventEmitter<PoolEvents> implements AsyncDisposable {
  readonly #core: ClusterCore;
  readonly #stats = new StatsRecorder();
  readonly #watch: MachineWatch;
  /** Live machines last read, for stats() (refreshed on each read, cached a second by the core). */
  #machines: WorkerRecord[] = [];
  readonly #onStall = (id: string, rerun: boolean) => {
    if (rerun && this.#tasks.has(id)) this.#stats.retry();
  };
  #state: 'RUN' | 'CLOSE' | 'TERMINATE' = 'RUN';
  readonly #tasks = new Set<string>();
  readonly #iterators = new Set<ImapIterator<unknown>>();
  #holds = 0;
  #idle: (() => void)[] = [];
  /** Processes of the live workers, refreshed by each map (imap windows use it). */
  #processes = ASSUMED_PROCESSES;

  /** @internal Made by a cluster context: `new cluster.Pool()`. */
  constructor(core: ClusterCore, options?: number | ClusterPoolOptions) {
    if (options !== undefined && options !== null && typeof options !== 'number' && typeof options !== 'object') {
      throw errors.invalidArgType("new cluster.Pool() takes nothing (or the local Pool's options, which the workers decide for themselves)");
    }
    super();
    this.#core = core;
    void core.processes(ASSUMED_PROCESSES).then((n) => {
      this.#processes = n;
    });
    void core.workers().then(
      (list) => {
        this.#machines = list;
      },
      () => {},
    );
    core.stallListeners.add(this.#onStall);
    this.#watch = new MachineWatch(core, (id) => this.#tasks.has(id), {
      start: (info) => emitSafely(this, 'workerStart', info),
      exit: (info) => emitSafely(this, 'workerExit', info),
    });
    // Machines are watched only while someone listens for them (one registry read per heartbeat period).
    const untyped = this as EventEmitter;
    untyped.on('newListener', (event: string | symbol) => {
      if ((event === 'workerStart' || event === 'workerExit') && this.#working) this.#watch.start();
    });
    untyped.on('removeListener', () => {
      if (this.listenerCount('workerStart') + this.listenerCount('workerExit') === 0) this.#watch.stop();
    });
  }

  /**
   * Counts for this pool. Machine figures come from the workers' heartbeats (at most a
   * heartbeat period old): `processes` is the live machines' processes summed, `busy` those
   * holding a task (of any submitter), `idle` the rest. A submitter does not see when a
   * machine takes a task, so `running` is this pool's unfinished tasks up to `processes` and
   * `queued` the rest. `runTime` is how long tasks ran on their machines (measured there),
   * `waitTime` the rest of the time from submission to result (queue and transit).
   * `utilization` is run time over the time since the pool was made times `processes`.
   */
  stats(): PoolStats {
    void this.#core.workers().then(
      (list) => {
        this.#machines = list;
      },
      () => {},
    );
    const machines = this.#watch.watching && this.#watch.machines.length > 0 ? this.#watch.machines : this.#machines;
    let processes = 0;
    let busy = 0;
    for (const m of machines) {
      processes += m.processes;
      busy += Math.min(m.running, m.processes);
    }
    const unfinished = this.#tasks.size;
    const running = Math.min(unfinished, processes);
    return this.#stats.snapshot({ processes, busy, idle: processes - busy, running, queued: unfinished - running, capacity: processes });
  }

  /** Processes of the live workers last seen (the workers' `--processes`, summed). */
  get processes(): number {
    return this.#processes;
  }

  #checkRunning(): void {
    if (this.#state !== 'RUN') {
      throw errors.poolNotRunning(`the pool is ${this.#state === 'CLOSE' ? 'closed' : 'terminated'} and takes no new work; create a new Pool`);
    }
  }

  #fn(fn: unknown): WireFn {
    return wireFn(toFnRef(fn, 'fn'), this.#core.options.root, 'fn');
  }

  /** What every map-like call checks at the call (running, iterable, options); its function on the wire. */
  #checkMapCall(fn: unknown, iterable: unknown, opts: MapOptions): WireFn {
    this.#checkRunning();
    checkIterable(iterable);
    checkChunksize(opts.chunksize);
    checkSubmitOptions(opts);
    checkProgressOptions(opts);
    checkProgressDependency(opts);
    return this.#fn(fn);
  }

  #send(f: WireFn, mode: number, payload: Uint8Array, opts: SubmitOptions | undefined, settle: (o: Outcome) => void, numbers = false): void {
    let id = '';
    const submitted = performance.now();
    const t = this.#core.submit({
      header: { m: mode, f },
      payload,
      timeout: opts?.timeout,
      signal: opts?.signal,
      retries: opts?.retries,
      numbers,
      settle: (o, runMs) => {
        this.#tasks.delete(id);
        this.#record(o, performance.now() - submitted, runMs);
        settle(o);
        this.#maybeIdle();
      },
    });
    id = t.id;
    if (!t.done) this.#tasks.add(id);
  }

  #record(o: Outcome, elapsed: number, runMs: number | undefined): void {
    const end = o.ok === true ? 'completed' : o.ok === false && o.error instanceof WorkerLostError ? 'lost' : 'failed';
    if (runMs === undefined) {
      this.#stats.ended(end);
      return;
    }
    this.#stats.waited(Math.max(0, elapsed - runMs));
    this.#stats.ran(runMs, end);
  }

  /** Takes work, or has some left. */
  get #working(): boolean {
    return this.#state === 'RUN' || (this.#state === 'CLOSE' && (this.#tasks.size > 0 || this.#holds > 0));
  }

  /** A pool that takes no more work and has none left stops listening to its context. */
  #detach(): void {
    this.#core.stallListeners.delete(this.#onStall);
    this.#watch.stop();
  }

  #hold(): void {
    this.#holds++;
  }
  #release(): void {
    this.#holds--;
    this.#maybeIdle();
  }
  #maybeIdle(): void {
    if (this.#tasks.size > 0 || this.#holds > 0) return;
    if (this.#state !== 'RUN') this.#detach();
    const w = this.#idle;
    this.#idle = [];
    for (const r of w) r();
    emitSafely(this, 'drain');
  }

  /** Runs fn(...args) on a worker machine; resolves with its result. */
  apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A, opts?: SubmitOptions): Promise<Awaited<R>> {
    this.#checkRunning();
    checkArgs(args);
    checkSubmitOptions(opts);
    const f = this.#fn(fn);
    const payload = pack(prepareForCluster(args ?? [], 'args', this.#core.options.root));
    return new Promise<Awaited<R>>((resolve, reject) => {
      this.#send(f, Mode.APPLY, payload, opts, (o) => {
        if (o.ok === true) resolve(o.value as Awaited<R>);
        else reject((o as { error: unknown }).error);
      });
    });
  }

  applyAsync<A extends unknown[], R>(fn: (...args: A) => R, args?: A, opts: AsyncOptions<Awaited<R>> = {}): AsyncResult<Awaited<R>> {
    const { callback, errorCallback, ...rest } = opts;
    return withCallbacks(this.apply(fn, args, rest), callback, errorCallback);
  }

  #mapLike(fn: AnyFn, iterable: Iterable<unknown> | AsyncIterable<unknown>, mode: number, opts: MapOptions): Promise<unknown[]> {
    const f = this.#checkMapCall(fn, iterable, opts);
    const root = this.#core.options.root;
    // Items in hand are checked now, so a value that cannot travel throws at the call.
    let known: unknown[] | undefined;
    if (Array.isArray(iterable)) known = iterable;
    else if (!isAsyncIterable(iterable)) known = [...iterable];
    // Numbers need no check: their chunks are written straight from the input (codec/numbers.ts).
    if (known && known.length > 0 && numberWidth(known) === 0) prepareChunk(known, 0, root);
    const progress = progressTracker(opts, known?.length);
    this.#hold();
    return (async () => {
      try {
        let items: unknown[];
        if (known) items = known;
        else {
          items = [];
          for await (const x of iterable) items.push(x);
          progress?.setTotal(items.length);
        }
        if (items.length === 0) return [];
        let size = opts.chunksize;
        if (size === undefined) {
          this.#processes = await this.#core.processes(ASSUMED_PROCESSES);
          size = Math.ceil(items.length / (this.#processes * 4));
        }
        const step: number = size;
        const count = Math.ceil(items.length / step);
        const width = step >= MIN_NUMBER_ARRAY ? numberWidth(items) : 0;
        const chunks: Prepared[] = [];
        if (width === 0) for (let i = 0; i < items.length; i += step) chunks.push(prepareChunk(items.slice(i, i + step), i, root));
        if (this.#state === 'TERMINATE') throw terminated();
        const parts = new Array<ArrayLike<unknown>>(count);
        return await new Promise<unknown[]>((resolve, reject) => {
          let left = count;
          let failed = false;
          for (let index = 0; index < count; index++) {
            const from = index * step;
            const n = Math.min(step, items.length - from);
            const payload =
              width === 0 || n < MIN_NUMBER_ARRAY
                ? pack(chunks[index] ?? prepareChunk(items.slice(from, from + n), from, root))
                : packNumbers(items as number[], from, from + n, width);
            this.#send(
              f,
              mode,
              payload,
              opts,
              (o) => {
                progress?.add(n, failedItems(o, n));
                if (failed) return;
                if (o.ok !== true) {
                  failed = true;
                  reject(o.ok === false ? o.error : o.errors[0]![1]);
                  return;
                }
                parts[index] = o.value as ArrayLike<unknown>;
                if (--left === 0) resolve(joinParts(parts, items.length));
              },
              mode === Mode.MAP,
            );
          }
        });
      } finally {
        this.#release();
      }
    })();
  }

  /** fn(item) for every item, in input order; chunks of `chunksize` items travel as one task. */
  map<F extends (item: never) => unknown>(fn: F, iterable: Iterable<Item<F>> | AsyncIterable<Item<F>>, opts: MapOptions = {}): Promise<Awaited<ReturnType<F>>[]> {
    return this.#mapLike(fn, iterable, Mode.MAP, opts) as Promise<Awaited<ReturnType<F>>[]>;
  }

  mapAsync<F extends (item: never) => unknown>(
    fn: F,
    iterable: Iterable<Item<F>> | AsyncIterable<Item<F>>,
    opts: MapAsyncOptions<Awaited<ReturnType<F>>[]> = {},
  ): AsyncResult<Awaited<ReturnType<F>>[]> {
    const { callback, errorCallback, ...rest } = opts;
    return withCallbacks(this.map(fn, iterable, rest), callback, errorCallback);
  }

  starmap<A extends unknown[], R>(fn: (...args: A) => R, iterable: Iterable<A> | AsyncIterable<A>, opts: MapOptions = {}): Promise<Awaited<R>[]> {
    return this.#mapLike(fn as AnyFn, iterable, Mode.STARMAP, opts) as Promise<Awaited<R>[]>;
  }

  starmapAsync<A extends unknown[], R>(fn: (...args: A) => R, iterable: Iterable<A> | AsyncIterable<A>, opts: MapAsyncOptions<Awaited<R>[]> = {}): AsyncResult<Awaited<R>[]> {
    const { callback, errorCallback, ...rest } = opts;
    return withCallbacks(this.starmap(fn, iterable, rest), callback, errorCallback);
  }

  #imap<F extends (item: never) => unknown>(fn: F, iterable: Iterable<Item<F>> | AsyncIterable<Item<F>>, opts: MapOptions, ordered: boolean): ImapIterator<Awaited<ReturnType<F>>> {
    const f = this.#checkMapCall(fn, iterable, opts);
    const chunksize = opts.chunksize ?? 1;
    const progress = progressTracker(opts, Array.isArray(iterable) ? iterable.length : undefined);
    const root = this.#core.options.root;
    let read = 0;
    const it = new ImapIterator<unknown>(
      {
        chunksize,
        // Bounded read-ahead: two chunks per worker process in flight or waiting to be consumed.
        window: this.#processes * 2 * chunksize,
        submit: (items, settle) => {
          const payload = pack(prepareChunk(items, read, root));
          read += items.length;
          this.#send(f, Mode.MAP, payload, opts, settle);
        },
        hold: () => this.#hold(),
        release: () => this.#release(),
        finished: (x) => this.#iterators.delete(x),
        progress,
      },
      iterable as Iterable<unknown>,
      ordered,
    );
    this.#iterators.add(it);
    return it as ImapIterator<Awaited<ReturnType<F>>>;
  }

  /** Lazy, ordered map: an async iterator of results. `next(timeout)` rejects with TimeoutError. */
  imap<F extends (item: never) => unknown>(fn: F, iterable: Iterable<Item<F>> | AsyncIterable<Item<F>>, opts: MapOptions = {}): ImapIterator<Awaited<ReturnType<F>>> {
    return this.#imap(fn, iterable, opts, true);
  }

  /** Like imap, yielding results as they finish. */
  imapUnordered<F extends (item: never) => unknown>(fn: F, iterable: Iterable<Item<F>> | AsyncIterable<Item<F>>, opts: MapOptions = {}): ImapIterator<Awaited<ReturnType<F>>> {
    return this.#imap(fn, iterable, opts, false);
  }

  /** No new work; what was submitted still runs, and join() waits for it. */
  close(): void {
    if (this.#state !== 'RUN') return;
    for (const it of this.#iterators) it.drainInput();
    this.#state = 'CLOSE';
    if (this.#tasks.size === 0 && this.#holds === 0) this.#detach();
  }

  /** Drops this pool's waiting tasks and stops its running ones; they reject with ERR_POOL_TERMINATED. */
  async terminate(): Promise<void> {
    if (this.#state === 'TERMINATE') return;
    this.#state = 'TERMINATE';
    const error = terminated();
    for (const it of [...this.#iterators]) it.fail(error);
    const ids = [...this.#tasks];
    this.#core.fail(ids, error);
    await this.#core.cancel(ids);
    this.#detach();
  }

  /** Waits until everything this pool submitted has settled. Call close() or terminate() first. */
  join(): Promise<void> {
    if (this.#state === 'RUN') throw errors.poolRunning('join() waits for the submitted tasks to finish; call pool.close() (or terminate()) first');
    if (this.#tasks.size === 0 && this.#holds === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** `await using pool = new cluster.Pool()`: close, then join. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }
}
