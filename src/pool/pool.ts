// Pool: CPython's Pool API over the scheduler. Validation and encoding happen at the call, so
// misuse throws at once and a value that cannot be sent refuses the whole submission. The Pool
// is also an EventEmitter (workerStart, workerExit, drain) and reports stats().
import { EventEmitter } from 'node:events';
import { encode, pack, prepare, type Prepared } from '../codec/codec.js';
import { MIN_NUMBER_ARRAY, numberWidth, packNumbers } from '../codec/numbers.js';
import type { Transit } from '../codec/reduce.js';
import { towardProcesses } from '../shm/crossing.js';
import { errors } from '../errors.js';
import { toFnRef } from '../functions/reference.js';
import { assertNotBootstrapping } from '../runtime/guards.js';
import { Mode } from '../protocol/runtime.js';
import { getStartMethod, normalizeMethod, type StartMethodName } from '../runtime/start-method.js';
import { runtimeState } from '../util/state.js';
import { cpuCount } from '../process/current.js';
import { hookMainExit } from '../process/children.js';
import { type AsyncResult, withCallbacks } from './async-result.js';
import { ImapIterator } from './imap.js';
import { Scheduler, type WorkerInfo } from './scheduler.js';
import type { PoolStats } from './stats.js';
import { emitSafely, type PoolEvents } from './events.js';
import { checkMaxMemory } from '../process/limits.js';
import { checkProgressDependency, checkProgressOptions, progressTracker, type ProgressOptions } from './progress.js';
import type { Outcome, SubmitOptions, TaskWork } from './task.js';

export type { SubmitOptions } from './task.js';
export type { Progress, ProgressOptions, ProgressBarOptions, ProgressStream } from './progress.js';
export type { PoolStats, TimeSummary } from './stats.js';

export type { PoolEvents, WorkerStartInfo, WorkerExitInfo } from './events.js';

/** Key of the Pool method that lists its live workers; `Symbol.for`, so any copy of the library finds it. */
export const kWorkers: unique symbol = Symbol.for('multiproc.pool.workers');

export interface PoolOptions {
  /** Number of workers; defaults to cpuCount(). */
  processes?: number;
  /** Runs once in every worker before its first task. */
  initializer?: (...args: never[]) => unknown;
  initArgs?: unknown[];
  /** A worker exits after this many tasks and is replaced. */
  maxTasksPerChild?: number;
  /**
   * Heap limit of each worker, in MB (`--max-old-space-size` for a child process,
   * `resourceLimits.maxOldGenerationSizeMb` for a thread). A task that goes past it rejects
   * with WorkerLostError code ERR_WORKER_OUT_OF_MEMORY and the worker is replaced.
   */
  maxMemoryPerWorker?: number;
  /** 'process' (default) or 'thread'. */
  context?: StartMethodName;
  /** Workers that always run (default: processes); more start on demand up to `processes`. */
  minProcesses?: number;
  /** Ms after which a worker above minProcesses with nothing to do exits (default 30,000; Infinity: never). */
  idleTimeout?: number;
  /** Most tasks that may wait for a worker; a submission that would queue more throws ERR_POOL_QUEUE_FULL (default: no limit). */
  maxQueue?: number;
  /** Async tasks one worker runs at once (default 1). */
  tasksPerWorker?: number;
}

/** Default idleTimeout, ms. */
export const DEFAULT_IDLE_TIMEOUT = 30_000;

function checkCount(name: string, v: unknown, min: number, max = Infinity): void {
  if (v !== undefined && v !== null && (!Number.isInteger(v) || (v as number) < min || (v as number) > max)) {
    throw errors.outOfRange(`${name} must be an integer >= ${min}${max < Infinity ? ` and <= ${max}` : ''}, got ${String(v)}`);
  }
}

export interface AsyncOptions<R> extends SubmitOptions {
  callback?: (result: R) => void;
  errorCallback?: (error: unknown) => void;
}
export interface MapOptions extends SubmitOptions, ProgressOptions {
  chunksize?: number;
}
export interface MapAsyncOptions<R> extends MapOptions, AsyncOptions<R> {}

type AnyFn = (...args: never[]) => unknown;
type Item<F> = F extends (item: infer T) => unknown ? T : never;

/** A chunk of numbers carries no pipe ends (shared, never written to). */
const NO_TRANSITS: Transit[] = [];

const fnIds = new WeakMap<Function, number>();
let nextFnId = 1;

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return !!x && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function checkIterable(x: unknown): void {
  if (x === null || x === undefined || (typeof (x as Iterable<unknown>)[Symbol.iterator] !== 'function' && !isAsyncIterable(x))) {
    throw errors.invalidArgType('iterable must be an array, an iterable or an async iterable');
  }
}

function checkChunksize(c: unknown): void {
  if (c !== undefined && (!Number.isInteger(c) || (c as number) < 1)) {
    throw errors.outOfRange(`chunksize must be an integer >= 1, got ${String(c)}`);
  }
}

function checkSubmitOptions(opts: SubmitOptions | undefined): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== 'object') throw errors.invalidArgType('options must be an object, e.g. { timeout: 1000 }');
  const { timeout, signal, retries } = opts;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
    throw errors.outOfRange(`timeout must be a number of milliseconds >= 0 (Infinity: no limit), got ${String(timeout)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw errors.invalidArgType('signal must be an AbortSignal (new AbortController().signal)');
  }
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) {
    throw errors.outOfRange(`retries must be an integer >= 0 (how many times to rerun a task whose worker died), got ${String(retries)}`);
  }
}

function checkArgs(args: unknown): void {
  if (args !== undefined && !Array.isArray(args)) throw errors.invalidArgType('args must be an array of arguments, e.g. pool.apply(fn, [1, 2])');
}

/** Checks items as one chunk; on failure names the bad item by its index in the input. */
function prepareChunk(items: unknown[], first: number, processes: boolean): Prepared {
  return towardProcesses(processes, () => {
    try {
      return prepare(items, 'iterable');
    } catch (e) {
      for (let i = 0; i < items.length; i++) prepare(items[i], `iterable[${first + i}]`);
      throw e;
    }
  });
}

/**
 * A map's results, filled chunk by chunk as they arrive: the one large array is allocated while
 * the workers run (a fresh 200k array costs ~4 ms of page faults on a VM) and each chunk is copied
 * in on arrival (typed arrays of numbers, or plain arrays), so nothing is left to join at the end.
 */
class Results {
  #out: unknown[] | null = null;
  constructor(readonly total: number) {}

  /** Allocates the array now (called once every chunk is sent). */
  prepare(): void {
    this.#out ??= new Array<unknown>(this.total);
  }

  put(at: number, part: ArrayLike<unknown>): void {
    this.prepare();
    copyInto(this.#out!, at, part);
  }

  get array(): unknown[] {
    this.prepare();
    return this.#out!;
  }
}

function copyInto(out: unknown[], at: number, p: ArrayLike<unknown>): void {
  for (let i = 0; i < p.length; i++) out[at + i] = p[i];
}

export class Pool extends EventEmitter<PoolEvents> implements AsyncDisposable {
  readonly #core: Scheduler;
  readonly #iterators = new Set<ImapIterator<unknown>>();
  /** Its workers are processes: shared memory without the addon is refused at the call (shm/crossing.ts). */
  readonly #toProcesses: boolean;

  constructor(options?: number | PoolOptions) {
    super();
    assertNotBootstrapping('Pool');
    const o: PoolOptions = typeof options === 'number' || options === undefined || options === null ? { processes: options ?? undefined } : options;
    if (typeof o !== 'object') throw errors.invalidArgType('new Pool() takes a worker count or an options object');
    const processes = o.processes ?? cpuCount();
    if (!Number.isInteger(processes) || processes < 1) throw errors.outOfRange(`processes must be an integer >= 1, got ${String(processes)}`);
    if (o.maxTasksPerChild !== undefined && o.maxTasksPerChild !== null && (!Number.isInteger(o.maxTasksPerChild) || o.maxTasksPerChild < 1)) {
      throw errors.outOfRange(`maxTasksPerChild must be an integer >= 1, got ${String(o.maxTasksPerChild)}`);
    }
    if (o.initializer !== undefined && o.initializer !== null && typeof o.initializer !== 'function') {
      throw errors.invalidArgType('initializer must be a function');
    }
    checkArgs(o.initArgs);
    checkMaxMemory(o.maxMemoryPerWorker);
    checkCount('minProcesses', o.minProcesses, 0, processes);
    checkCount('maxQueue', o.maxQueue, 0);
    checkCount('tasksPerWorker', o.tasksPerWorker, 1);
    if (o.idleTimeout !== undefined && o.idleTimeout !== null && (typeof o.idleTimeout !== 'number' || !(o.idleTimeout >= 0))) {
      throw errors.outOfRange(`idleTimeout must be a number of milliseconds >= 0 (or Infinity), got ${String(o.idleTimeout)}`);
    }
    const initializer = o.initializer ? toFnRef(o.initializer, 'initializer') : null;
    this.#toProcesses = (o.context ? normalizeMethod(o.context) : getStartMethod()) !== 'thread';
    const initArgs = o.initializer ? towardProcesses(this.#toProcesses, () => encode(o.initArgs ?? [], 'initArgs')) : null;
    if (runtimeState().daemon && runtimeState().isWorker) {
      // CPython forbids daemonic children; pool workers are daemons, so they may not start pools.
      throw errors.daemonChildren('a daemon process cannot start a Pool; start the process with daemon: false');
    }
    this.#core = new Scheduler({
      processes,
      method: o.context ? normalizeMethod(o.context) : getStartMethod(),
      initializer,
      initArgs,
      maxTasksPerChild: o.maxTasksPerChild ?? null,
      maxMemoryMb: o.maxMemoryPerWorker ?? null,
      minProcesses: o.minProcesses ?? processes,
      idleTimeout: o.idleTimeout ?? DEFAULT_IDLE_TIMEOUT,
      maxQueue: o.maxQueue ?? null,
      tasksPerWorker: o.tasksPerWorker ?? 1,
      events: {
        workerStart: (info) => emitSafely(this, 'workerStart', info),
        workerExit: (info) => emitSafely(this, 'workerExit', info),
        drain: () => emitSafely(this, 'drain'),
      },
    });
    if (!runtimeState().isWorker) hookMainExit();
  }

  /** Number of workers (the most that run at once). */
  get processes(): number {
    return this.#core.processes;
  }

  /** Counts, time distributions (ms) and what the workers are doing now. */
  stats(): PoolStats {
    return this.#core.snapshot();
  }

  /** @internal The live workers (pid, threadId, ready, kill()): for tests and diagnostics. */
  [kWorkers](): WorkerInfo[] {
    return this.#core.workers();
  }

  #checkRunning(): void {
    if (this.#core.state !== 'RUN') {
      throw errors.poolNotRunning(`the pool is ${this.#core.state === 'CLOSE' ? 'closed' : 'terminated'} and takes no new work; create a new Pool`);
    }
  }

  #fnId(fn: Function): number {
    let id = fnIds.get(fn);
    if (id === undefined) {
      id = nextFnId++;
      fnIds.set(fn, id);
    }
    return id;
  }

  /** Runs fn(...args) in a worker; resolves with its result. */
  apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A, opts?: SubmitOptions): Promise<Awaited<R>> {
    this.#checkRunning();
    checkArgs(args);
    checkSubmitOptions(opts);
    const ref = toFnRef(fn, 'fn');
    const prepared = towardProcesses(this.#toProcesses, () => prepare(args ?? [], 'args'));
    this.#core.room(1);
    const payload = pack(prepared);
    const work: TaskWork = { fnId: this.#fnId(fn), fnRef: ref, mode: Mode.APPLY, payload, transits: prepared.reduced.transits };
    // The task settles this promise itself: no closure of ours per call.
    return new Promise<Awaited<R>>((resolve, reject) => {
      this.#core.call(work, opts, resolve as (value: unknown) => void, reject);
    });
  }

  /** Like apply, returning an AsyncResult; `callback`/`errorCallback` run in this process. */
  applyAsync<A extends unknown[], R>(fn: (...args: A) => R, args?: A, opts: AsyncOptions<Awaited<R>> = {}): AsyncResult<Awaited<R>> {
    const { callback, errorCallback, ...rest } = opts;
    return withCallbacks(this.apply(fn, args, rest), callback, errorCallback);
  }

  #mapLike(fn: AnyFn, iterable: Iterable<unknown> | AsyncIterable<unknown>, mode: Mode, opts: MapOptions): Promise<unknown[]> {
    this.#checkRunning();
    checkIterable(iterable);
    checkChunksize(opts.chunksize);
    checkSubmitOptions(opts);
    checkProgressOptions(opts);
    checkProgressDependency(opts);
    const ref = toFnRef(fn, 'fn');
    const fnId = this.#fnId(fn);
    const run = (items: unknown[]): Promise<unknown[]> => {
      // CPython's default, counting each of a worker's task slots (tasksPerWorker) as a worker.
      // Under maxQueue, no more default chunks than the pool takes now (idle workers, then the queue).
      const left = this.#core.capacityLeft();
      const workers = Math.min(this.#core.processes * this.#core.tasksPerWorker * 4, left === null ? Infinity : Math.max(1, left));
      const size = opts.chunksize ?? Math.max(1, Math.ceil(items.length / workers));
      // Every chunk is checked before any is sent; each is packed just before it is sent,
      // so the first workers start while later chunks are still being packed. Numbers need no
      // check: their chunks are written straight from the input (codec/numbers.ts).
      const count = Math.ceil(items.length / size);
      const width = size >= MIN_NUMBER_ARRAY ? numberWidth(items) : 0;
      const chunks: (Prepared | undefined)[] = [];
      if (width === 0) for (let i = 0; i < items.length; i += size) chunks.push(prepareChunk(items.slice(i, i + size), i, this.#toProcesses));
      this.#core.room(count);
      // map reads its whole input before it submits anything, so the total is always known here.
      const progress = opts.onProgress || opts.progress ? progressTracker(opts, items.length) : null;
      if (items.length === 0) return Promise.resolve([]);
      const results = new Results(items.length);
      return new Promise((resolve, reject) => {
        let left = count;
        let failed = false;
        // One function for all of the map's chunks; a chunk is known by its index (the task's tag).
        const then = (o: Outcome, task: { tag: number }): void => {
          const from = task.tag * size;
          const n = Math.min(size, items.length - from);
          // A chunk's items count when the chunk's result arrives, also after the map failed.
          progress?.add(n, o.ok === true ? 0 : o.ok === false ? n : o.errors.length);
          if (failed) return;
          if (o.ok !== true) {
            failed = true;
            reject(o.ok === false ? o.error : o.errors[0]![1]);
            return;
          }
          results.put(from, o.value as ArrayLike<unknown>);
          if (--left === 0) resolve(results.array);
        };
        for (let index = 0; index < count; index++) {
          const from = index * size;
          const n = Math.min(size, items.length - from);
          let payload: Uint8Array;
          let transits: Transit[] = NO_TRANSITS;
          if (width === 0 || n < MIN_NUMBER_ARRAY) {
            const chunk = chunks[index] ?? prepareChunk(items.slice(from, from + n), from, this.#toProcesses);
            // Packed: its checked form can go (20,000 of them would otherwise live until the last is sent).
            chunks[index] = undefined;
            payload = pack(chunk);
            transits = chunk.reduced.transits;
          } else payload = packNumbers(items as number[], from, from + n, width);
          this.#core.submit({ fnId, fnRef: ref, mode, payload, transits }, opts, then, index);
        }
        // The workers have their chunks: make the result array while waiting for them.
        if (!failed && left > 0) results.prepare();
      });
    };
    if (Array.isArray(iterable)) return run(iterable);
    if (!isAsyncIterable(iterable)) return run([...iterable]);
    this.#core.hold();
    return (async () => {
      try {
        const items: unknown[] = [];
        for await (const x of iterable) items.push(x);
        return await run(items);
      } finally {
        this.#core.release();
      }
    })();
  }

  /** fn(item) for every item, in input order. Chunks of `chunksize` items go to workers as one task. */
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

  /** fn(...args) for every args tuple, in input order. */
  starmap<A extends unknown[], R>(fn: (...args: A) => R, iterable: Iterable<A> | AsyncIterable<A>, opts: MapOptions = {}): Promise<Awaited<R>[]> {
    return this.#mapLike(fn as AnyFn, iterable, Mode.STARMAP, opts) as Promise<Awaited<R>[]>;
  }

  starmapAsync<A extends unknown[], R>(fn: (...args: A) => R, iterable: Iterable<A> | AsyncIterable<A>, opts: MapAsyncOptions<Awaited<R>[]> = {}): AsyncResult<Awaited<R>[]> {
    const { callback, errorCallback, ...rest } = opts;
    return withCallbacks(this.starmap(fn, iterable, rest), callback, errorCallback);
  }

  #imap<F extends (item: never) => unknown>(fn: F, iterable: Iterable<Item<F>> | AsyncIterable<Item<F>>, opts: MapOptions, ordered: boolean): ImapIterator<Awaited<ReturnType<F>>> {
    this.#checkRunning();
    checkIterable(iterable);
    checkChunksize(opts.chunksize);
    checkSubmitOptions(opts);
    checkProgressOptions(opts);
    const ref = toFnRef(fn, 'fn');
    const fnId = this.#fnId(fn);
    const chunksize = opts.chunksize ?? 1;
    // An imap's later chunks are bounded by its read-ahead window, not refused: it asks for room once.
    this.#core.room(1);
    const progress = opts.onProgress || opts.progress ? progressTracker(opts, Array.isArray(iterable) ? iterable.length : undefined) : null;
    const core = this.#core;
    const toProcesses = this.#toProcesses;
    let read = 0;
    const it = new ImapIterator<unknown>(
      {
        chunksize,
        // Bounded read-ahead [fix]: two chunks per task slot in flight or waiting to be consumed.
        window: core.processes * core.tasksPerWorker * 2 * chunksize,
        submit: (items, settle) => {
          const prepared = prepareChunk(items, read, toProcesses);
          const payload = pack(prepared);
          read += items.length;
          core.submit({ fnId, fnRef: ref, mode: Mode.MAP, payload, transits: prepared.reduced.transits }, opts, settle);
        },
        hold: () => core.hold(),
        release: () => core.release(),
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

  /** No new work; queued work finishes, then the workers exit. */
  close(): void {
    if (this.#core.state !== 'RUN') return;
    // Lazy imap inputs are read to the end now, so their tasks run and join() can finish.
    for (const it of this.#iterators) it.drainInput();
    this.#core.close();
  }

  /** Stops the workers now; unfinished tasks reject with ERR_POOL_TERMINATED. */
  terminate(): Promise<void> {
    const error = errors.poolTerminated('the pool was terminated before this result was ready');
    for (const it of [...this.#iterators]) it.fail(error);
    return this.#core.terminate();
  }

  /** Waits for the workers to exit. Call close() or terminate() first. */
  join(): Promise<void> {
    if (this.#core.state === 'RUN') throw errors.poolRunning('join() waits for the workers to exit; call pool.close() (or terminate()) first');
    return this.#core.allExited();
  }

  /** `await using pool = new Pool()`: close, then join (queued work finishes [fix]). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }
}
