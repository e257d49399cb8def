// Pool worker side: run the initializer, then tasks in arrival order: one at a time (each result
// leaves before the next task starts, so the parent always knows which task a dying worker was
// running), or with tasksPerWorker > 1 up to that many at once, each start recorded in the
// progress cell first (tasks start in arrival order, so "started" is every task up to the
// cell's number: a death is attributed exactly) and each under its own taskSignal().
import { decode, encode } from '../codec/codec.js';
import { NumberCollector, packNumbers, readNumbers } from '../codec/numbers.js';
import { runItems } from './chunk-run.js';
import { failuresAtPositions, isThenable } from './item-results.js';
import type { Channel, Message } from '../channel/channel.js';
import { resolveFnRef } from '../functions/resolve.js';
import type { FnRef } from '../functions/reference.js';
import { M, Mode, Status, type FromPoolWorker, type InitData, type QueuedTask, type ResultMsg, type ToPoolWorker } from '../protocol/runtime.js';
import type { ProgressWriter } from '../runtime/progress.js';
import { runWithTaskSignal } from './task-signal.js';
import { errors } from '../errors.js';

type Fn = (...args: unknown[]) => unknown;

function encodeError(e: unknown): Uint8Array {
  try {
    return encode(e, 'error');
  } catch (err) {
    return encode(err);
  }
}

/** Tasks shorter than this (ms, on average per function) may have their results batched. */
const BATCHABLE_MS = 0.2;
const MAX_BATCH = 256;

export function poolWorker(init: InitData, channel: Channel, exit: (code: number) => Promise<never>, progress?: ProgressWriter): (msg: Message) => void {
  // Average run time per function: results of short tasks leave in batches (threads, where
  // shared memory tells the pool which task started); anything else leaves before the next task.
  const avgMs = new Map<number, number>();
  let received = 0;
  let unflushed = 0;
  const fns = new Map<number, Fn | Promise<Fn>>();
  const queue: QueuedTask[] = [];
  const cancelled = new Set<number>();
  let running = false;
  let stopping = false;
  /** Leaving on its own (its module loader failed for want of a descriptor): see runTask. */
  let retiring = false;
  let failed = false;
  const concurrency = init.tasksPerWorker ?? 1;
  /** tasksPerWorker > 1: the running tasks' abort controllers, by task id. */
  const active = new Map<number, AbortController>();
  let exiting = false;

  const send = (msg: FromPoolWorker, deferred = false) => channel.send(msg, deferred);

  const ready = (async () => {
    if (init.initializer) {
      try {
        const fn = await resolveFnRef(init.initializer as FnRef);
        const args = init.initArgs ? ((await decode(init.initArgs)) as unknown[]) : [];
        await fn(...args);
      } catch (e) {
        failed = true;
        send([M.INIT_FAILED, encodeError(e)]);
        await exit(1);
      }
    }
    send([M.READY]);
  })();

  function getFn(fnId: number): Fn | Promise<Fn> {
    const fn = fns.get(fnId);
    if (!fn) throw errors.internal(`internal: function ${fnId} was never defined`);
    return fn;
  }

  const batched = (msg: ResultMsg) => send(msg, true);
  const atOnce = (msg: ResultMsg) => send(msg);

  /** A task that could not even start: its error is its result. */
  function failedTask(id: number, e: unknown, result: (msg: ResultMsg) => void): void {
    // No descriptor to load the task's module with: the module loader keeps that failure,
    // so this worker would fail every later task of it. Retire; a fresh worker tries again.
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'EMFILE' || code === 'ENFILE') retiring = true;
    result([M.RESULT, id, Status.ERROR, encodeError(e)]);
  }

  /**
   * Runs a task; returns a promise only when it has to wait. An apply whose function is
   * loaded, whose arguments decode at once and whose result is not a promise (most short
   * tasks) runs through without one: no promise and no microtask turns per task.
   */
  function runTask(msg: QueuedTask, result = batched, record = false): Promise<void> | undefined {
    const [, id, fnId, mode, payload, , seq] = msg;
    const fn = fns.get(fnId);
    if (mode !== Mode.APPLY || typeof fn !== 'function') return runTaskAsync(msg, result, record);
    if (progress && (record || unflushed > 0 || progress.shared)) progress(seq);
    if (cancelled.delete(id)) {
      result([M.RESULT, id, Status.SKIPPED, null]);
      return;
    }
    let input: unknown;
    try {
      input = decode(payload);
    } catch (e) {
      failedTask(id, e, result);
      return;
    }
    if (isThenable(input)) return applyLater(id, fn, input, result);
    let r: unknown;
    try {
      r = fn(...(input as unknown[]));
      if (!isThenable(r)) {
        result([M.RESULT, id, Status.OK, encode(r, 'result')]);
        return;
      }
    } catch (e) {
      result([M.RESULT, id, Status.ERROR, encodeError(e)]);
      return;
    }
    return settleLater(id, r, result);
  }

  /** runTask's apply once its arguments decoded (they named a module still loading). */
  async function applyLater(id: number, fn: Fn, decoded: PromiseLike<unknown>, result: (msg: ResultMsg) => void): Promise<void> {
    let input: unknown;
    try {
      input = await decoded;
    } catch (e) {
      failedTask(id, e, result);
      return;
    }
    return callAndSend(id, fn, input as unknown[], result);
  }

  /** An apply's call once its function and arguments are at hand: sends its result or error. */
  async function callAndSend(id: number, fn: Fn, input: unknown[], result: (msg: ResultMsg) => void): Promise<void> {
    try {
      let r = fn(...input);
      if (isThenable(r)) r = await r;
      result([M.RESULT, id, Status.OK, encode(r, 'result')]);
    } catch (e) {
      result([M.RESULT, id, Status.ERROR, encodeError(e)]);
    }
  }

  /** runTask's apply whose function returned a promise. */
  async function settleLater(id: number, r: PromiseLike<unknown>, result: (msg: ResultMsg) => void): Promise<void> {
    try {
      result([M.RESULT, id, Status.OK, encode(await r, 'result')]);
    } catch (e) {
      result([M.RESULT, id, Status.ERROR, encodeError(e)]);
    }
  }

  async function runTaskAsync(msg: QueuedTask, result = batched, record = false): Promise<void> {
    const [, id, fnId, mode, payload, , seq] = msg;
    // Needed only while finished results wait in a batch, or while tasks overlap (a shared cell
    // costs nothing, a file costs a write): otherwise the pool knows from what it received.
    if (progress && (record || unflushed > 0 || progress.shared)) progress(seq);
    if (cancelled.delete(id)) {
      result([M.RESULT, id, Status.SKIPPED, null]);
      return;
    }
    let fn: Fn;
    let input: ArrayLike<unknown>;
    try {
      const got = getFn(fnId);
      fn = typeof got === 'function' ? got : await got;
      // A map chunk of numbers is read as a typed array (no large JS array to build).
      const decoded = mode === Mode.MAP ? (readNumbers(payload) ?? decode(payload)) : decode(payload);
      input = (isThenable(decoded) ? await decoded : decoded) as ArrayLike<unknown>;
    } catch (e) {
      failedTask(id, e, result);
      return;
    }
    if (mode === Mode.APPLY) return callAndSend(id, fn, input as unknown[], result);
    // Numbers come and go as typed arrays (codec/numbers.ts); the run is synchronous until a
    // result is a promise, so the loop is one optimizable function (chunk-run.ts).
    const out = new NumberCollector(input.length);
    let errors: [number, unknown][] | null = null;
    const star = mode === Mode.STARMAP;
    for (let i = 0; i < input.length;) {
      const stop = runItems(fn, input, star, i, out, (errors ??= []));
      if (stop.pending === undefined) break;
      try {
        out.push(await stop.pending);
      } catch (e) {
        out.push(undefined);
        errors.push([stop.at, e]);
      }
      i = stop.at + 1;
    }
    if (errors?.length === 0) errors = null;
    const numbers = errors ? null : out.numbers;
    if (numbers) {
      result([M.RESULT, id, Status.OK, packNumbers(numbers, 0, numbers.length, numbers instanceof Int32Array ? 4 : 8)]);
      return;
    }
    const results = out.toArray();
    if (!errors) {
      try {
        result([M.RESULT, id, Status.OK, encode(results, 'result')]);
        return;
      } catch {
        errors = [];
      }
    }
    result([M.RESULT, id, Status.PARTIAL, encode([results, failuresAtPositions(results, errors)], 'result')]);
  }

  async function loop(): Promise<void> {
    running = true;
    await ready;
    while (queue.length > 0 && !failed && !retiring) {
      const msg = queue.shift()!;
      const [, , fnId, , , watched] = msg;
      const avg = avgMs.get(fnId);
      // A task that may run long, or that the pool watches (timeout, signal), must not hold
      // back finished results: the pool's clocks and kills go by what it has received.
      if (unflushed > 0 && (!progress || avg === undefined || avg > BATCHABLE_MS || watched === 1 || unflushed >= MAX_BATCH)) {
        channel.flush();
        unflushed = 0;
      }
      // process.hrtime, not performance.now(): the first use of `performance` loads ten modules
      // of node:perf_hooks, which a worker thread compiles during its first task.
      const t0 = process.hrtime.bigint();
      const waiting = runTask(msg);
      if (waiting) await waiting;
      const dt = Number(process.hrtime.bigint() - t0) / 1e6;
      avgMs.set(fnId, avg === undefined ? dt : avg * 0.9 + dt * 0.1);
      unflushed++;
      // A watched task's result leaves at once: its clock in the pool is still running.
      if (watched === 1) {
        channel.flush();
        unflushed = 0;
      }
    }
    channel.flush();
    unflushed = 0;
    running = false;
    if (stopping || retiring) await exit(0);
  }

  /** tasksPerWorker > 1: starts queued tasks while fewer than that run. */
  async function startConcurrent(): Promise<void> {
    if (running) return;
    running = true;
    await ready;
    running = false;
    while (queue.length > 0 && active.size < concurrency && !failed) {
      const msg = queue.shift()!;
      const [, id] = msg;
      const controller = new AbortController();
      active.set(id, controller);
      void Promise.resolve(runWithTaskSignal(controller.signal, () => runTask(msg, atOnce, true))).finally(() => {
        active.delete(id);
        void startConcurrent();
      });
    }
    if (stopping && active.size === 0 && queue.length === 0 && !exiting) {
      exiting = true;
      await exit(0);
    }
  }

  return (raw) => {
    const msg = raw as ToPoolWorker;
    switch (msg[0]) {
      case M.FN: {
        const [, fnId, ref] = msg;
        const p = resolveFnRef(ref);
        p.catch(() => {});
        fns.set(fnId, p);
        void p.then(
          (fn) => fns.set(fnId, fn),
          () => {},
        );
        return;
      }
      case M.TASK: {
        // Its arrival number goes on the end of the message itself (no copy per task).
        const queued = msg as unknown as QueuedTask;
        queued.push(++received);
        queue.push(queued);
        if (concurrency > 1) void startConcurrent();
        else if (!running) void loop();
        return;
      }
      case M.CANCEL:
        cancelled.add(msg[1]);
        return;
      case M.ABORT:
        active.get(msg[1])?.abort();
        return;
      case M.STOP:
        stopping = true;
        if (concurrency > 1) void startConcurrent();
        else if (!running) void ready.then(() => exit(0));
        return;
    }
  };
}
