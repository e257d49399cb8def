// The pool's engine: a queue of tasks, a set of workers, dispatch with a small pipeline per
// worker (or up to tasksPerWorker tasks running at once on each), healing (a lost worker's
// running tasks reject, the others are requeued, a new worker takes its place: healing.ts),
// timeouts and aborts (deadlines.ts), sizing (minProcesses always, more on demand up to
// processes, idle ones exit after idleTimeout), the queue limit, stats and events, and the
// lifecycle close/terminate/join.
import { errors } from '../errors.js';
import { childAddress } from '../connection/router.js';
import type { InitData } from '../protocol/runtime.js';
import type { ExitInfo } from '../runtime/spawn.js';
import { runtimeState } from '../util/state.js';
import { getLogger } from '../runtime/logging.js';
import { Ring } from '../util/ring.js';
import { StatsRecorder, type PoolStats, type TaskEnd } from './stats.js';
import { IdleTimers, queueFullError } from './sizing.js';
import { Deadlines } from './deadlines.js';
import { RespawnBackoff, sortLostTasks, type Healing } from './healing.js';
import { Task, type Outcome, type SubmitOptions, type TaskOwner, type TaskThen, type TaskWork } from './task.js';
import { WorkerSlot } from './worker-slot.js';
import type { PoolState, SchedulerConfig, WorkerInfo } from './scheduler-config.js';

export type { PoolState, SchedulerConfig, SchedulerEvents, WorkerInfo } from './scheduler-config.js';

const terminatedError = () => errors.poolTerminated('the pool was terminated before this task finished');

/** Workers that die before they are ready this many times in a row fail the pool. */
const MAX_START_FAILURES = 3;

export class Scheduler implements TaskOwner {
  state: PoolState = 'RUN';
  /** Set once the initializer failed (or workers cannot start): every task rejects with it. */
  failure: Error | null = null;
  private readonly queue = new Ring<Task>(64);
  /** Tasks aborted while queued: settled, still in `queue` until they reach its head (removing
   * each at once would be O(n) per abort), and not counted as waiting. */
  private queuedAborted = 0;
  private readonly slots = new Set<WorkerSlot>();
  private nextTaskId = 1;
  /** Unsettled tasks plus other holders of work (imap producers). */
  private busy = 0;
  private startFailures = 0;
  /** Spawns that failed in a row (ERR_WORKER_START), and the timer of the next try. */
  private readonly respawn = new RespawnBackoff();
  /** Estimated time one task takes, for the pipeline depth. It starts high, so the first
   * tasks go one per worker and wait in the shared queue (FIFO, as CPython) until short
   * tasks have shown that sending ahead pays. */
  private serviceMs = 100;
  private readonly exitWaiters: (() => void)[] = [];
  private refed = true;
  readonly stats = new StatsRecorder();
  /** Work was submitted since the last 'drain'. */
  private hadWork = false;
  private drainSoon = false;
  /** Workers above minProcesses that have nothing to do, and the timers that will stop them. */
  private readonly idle: IdleTimers<WorkerSlot>;
  /** tasksPerWorker > 1. */
  private readonly overlapping: boolean;
  private readonly deadlines: Deadlines;
  private readonly healing: Healing;

  constructor(private readonly config: SchedulerConfig) {
    this.overlapping = config.tasksPerWorker > 1;
    this.deadlines = new Deadlines(this.overlapping, () => {
      this.queuedAborted++;
    });
    this.healing = {
      mayRetry: () => this.state !== 'TERMINATE' && !this.failure,
      retried: () => this.stats.retry(),
      maxMemoryMb: config.maxMemoryMb,
    };
    this.idle = new IdleTimers(config.idleTimeout, (slot) => {
      if (slot.inflight.length === 0 && !slot.stopping && this.state === 'RUN' && this.liveSlots() > this.config.minProcesses) slot.stop();
    });
    for (let i = 0; i < config.minProcesses; i++) this.spawn();
    this.updateRef();
  }

  get processes(): number {
    return this.config.processes;
  }
  get tasksPerWorker(): number {
    return this.config.tasksPerWorker;
  }

  private spawn(): void {
    const state = runtimeState();
    const address = childAddress();
    const init: InitData = {
      role: 'pool',
      name: `PoolWorker-${++state.childCounter}`,
      identity: [...state.identity, state.childCounter],
      daemon: true,
      address,
      parent: { pid: process.pid, name: state.name },
      log: { level: getLogger().level, toStderr: getLogger().toStderr },
      tsxApi: state.tsxApi,
      startMethod: this.config.method,
      initializer: this.config.initializer ?? undefined,
      initArgs: this.config.initArgs ?? undefined,
      ...(this.overlapping ? { tasksPerWorker: this.config.tasksPerWorker } : {}),
    };
    const slot = new WorkerSlot(
      this.config.method,
      init,
      {
        ready: (s) => {
          this.startFailures = 0;
          this.respawn.failures = 0;
          if (this.overlapping) for (let i = 0; i < s.inflight.length; i++) this.began(s.inflight.at(i)!);
          else if (s.inflight.length > 0) this.began(s.inflight.peek()!);
          if (s.inflight.length === 0) this.armIdle(s);
        },
        initFailed: (_s, error) =>
          this.fail(
            errors.poolInitializer(`the pool's initializer failed: ${error instanceof Error ? error.message : String(error)}; fix the initializer, then create a new Pool`, {
              cause: error,
            }),
          ),
        result: (s, task, outcome) => this.onResult(s, task, outcome),
        exit: (s, info) => this.onExit(s, info),
      },
      this.config.maxMemoryMb !== null ? { maxMemoryMb: this.config.maxMemoryMb } : {},
    );
    if (!this.refed) slot.unref();
    this.slots.add(slot);
    // Told after the current call returns, so listeners added right after `new Pool()` hear of the first workers.
    const info = { pid: slot.pid, threadId: slot.threadId };
    queueMicrotask(() => this.config.events.workerStart(info));
  }

  /** A worker above minProcesses with nothing to do exits after idleTimeout ms. */
  private armIdle(slot: WorkerSlot): void {
    if (this.config.minProcesses < this.config.processes) this.idle.arm(slot);
  }

  /** Tasks waiting for a worker (stats().queued). */
  private queued(): number {
    return this.queue.length - this.queuedAborted;
  }

  /**
   * Tasks the workers (running and those the pool may still start) would take at once now,
   * as pump() sends them; with tasks already waiting there is no such room.
   */
  private dispatchRoom(): number {
    if (this.queued() > 0 || this.state !== 'RUN' || this.failure) return 0;
    const depth = this.overlapping ? this.config.tasksPerWorker : this.depth();
    let free = 0;
    for (const s of this.slots) if (this.usable(s)) free += Math.max(0, depth - s.inflight.length);
    return free + Math.max(0, this.config.processes - this.liveSlots()) * depth;
  }

  /**
   * Throws ERR_POOL_QUEUE_FULL when `tasks` more would make more than maxQueue tasks wait.
   * Only the tasks that would wait count: those idle workers take at once do not.
   */
  room(tasks: number): void {
    const max = this.config.maxQueue;
    if (max === null) return;
    const queued = this.queued();
    const waiting = Math.max(0, tasks - this.dispatchRoom());
    if (queued + waiting <= max) return;
    throw queueFullError(queued, waiting, max);
  }

  /** Tasks one submission may add now without ERR_POOL_QUEUE_FULL; null: no maxQueue. */
  capacityLeft(): number | null {
    const max = this.config.maxQueue;
    return max === null ? null : Math.max(0, max - this.queued()) + this.dispatchRoom();
  }

  /** Work started outside of tasks (an imap reading its input) keeps the pool busy. */
  hold(): void {
    this.busy++;
    this.hadWork = true;
    this.updateRef();
  }
  release(): void {
    this.busy--;
    this.afterSettle();
  }

  /** Submits a task whose end goes to `then` (shared by a call's chunks, told apart by `tag`). */
  submit(work: TaskWork, opts: SubmitOptions | undefined, then: TaskThen, tag = 0): Task {
    return this.enqueue(new Task(this.nextTaskId++, this, work.fnId, work.fnRef, work.mode, work.payload, work.transits, opts, then, tag, null, null));
  }

  /** Submits a task that settles the caller's promise through `resolve`/`reject` (apply). */
  call(work: TaskWork, opts: SubmitOptions | undefined, resolve: (value: unknown) => void, reject: (error: unknown) => void): Task {
    return this.enqueue(new Task(this.nextTaskId++, this, work.fnId, work.fnRef, work.mode, work.payload, work.transits, opts, null, 0, resolve, reject));
  }

  private enqueue(task: Task): Task {
    this.busy++;
    this.hadWork = true;
    if (this.failure) {
      task.settle({ ok: false, error: this.failure });
      return task;
    }
    if (this.state === 'TERMINATE') {
      task.settle({ ok: false, error: terminatedError() });
      return task;
    }
    // Workers could not be started lately: try again now for this task rather than after the
    // backoff (the machine may have recovered); it rejects if they still cannot start.
    if (this.cannotStart()) this.respawnNow();
    if (task.signal) {
      if (task.signal.aborted) {
        task.settle({ ok: false, error: task.signal.reason });
        return task;
      }
      this.deadlines.watch(task);
    }
    this.updateRef();
    this.queue.push(task);
    this.pump();
    return task;
  }

  /** @internal Task.settle: the task's end, once (its `done` is set). */
  finish(task: Task, outcome: Outcome): void {
    if (task.timer) task.timer.clear();
    const end: TaskEnd = outcome.ok === true ? 'completed' : task.lostWorker ? 'lost' : 'failed';
    if (task.startedAt === undefined) this.stats.ended(end);
    else this.stats.ran(performance.now() - task.startedAt, end);
    if (task.signal) this.deadlines.unwatch(task);
    // A task that never reached a worker gives up the pipe ends it carried.
    if (!task.dispatched) for (const t of task.transits) t.abandon();
    try {
      task.tell(outcome);
    } finally {
      this.busy--;
      this.afterSettle();
    }
  }

  private depth(): number {
    const ms = this.serviceMs;
    // Short tasks go ahead in batches; from a few ms up, one at a time (FIFO, even balance).
    return ms < 0.5 ? 32 : ms < 2 ? 4 : ms < 5 ? 2 : 1;
  }

  private usable(s: WorkerSlot): boolean {
    const max = this.config.maxTasksPerChild;
    return !s.stopping && !s.exited && (max === null || s.assigned < max);
  }

  /** Another worker may start: below `processes`, and the pool is not ending or failed. */
  private canGrow(): boolean {
    // Not while a failed start waits out its backoff (scheduleRespawn): no hot respawn loop.
    return this.state !== 'TERMINATE' && !this.failure && !this.respawn.waiting && this.liveSlots() < this.config.processes;
  }

  /**
   * Sends queued tasks to the least-loaded workers, up to the pipeline depth (tasksPerWorker
   * > 1: up to that many running at once); when every worker is full, starts another one if
   * the pool may grow (minProcesses < processes).
   */
  private pump(): void {
    if (this.queue.length === 0) return;
    const depth = this.overlapping ? this.config.tasksPerWorker : this.depth();
    while (this.queue.length > 0) {
      if (this.queue.peek()!.done) {
        this.queue.shift();
        this.queuedAborted--;
        continue;
      }
      let best: WorkerSlot | null = null;
      for (const s of this.slots) {
        if (s.inflight.length >= depth || !this.usable(s)) continue;
        // Least loaded first; among equals the one that finished last, still warm on its core.
        if (!best || s.inflight.length < best.inflight.length || (s.inflight.length === best.inflight.length && s.lastActive > best.lastActive)) best = s;
      }
      if (!best) {
        if (!this.canGrow()) return;
        this.spawn();
        continue;
      }
      const task = this.queue.shift()!;
      this.idle.disarm(best);
      best.send(task);
      if (this.overlapping || best.inflight.length === 1) this.began(task);
    }
  }

  /** `task` is running now on a ready worker: its wait ends and its timeout clock starts. */
  private began(task: Task): void {
    if (task.done || !task.slot?.ready) return;
    if (task.startedAt === undefined) {
      const now = performance.now();
      task.startedAt = now;
      this.stats.waited(now - task.queuedAt);
    }
    this.deadlines.startTimer(task);
  }

  private onResult(slot: WorkerSlot, task: Task, outcome: Outcome | Promise<Outcome>): void {
    this.serviceMs = this.serviceMs * 0.8 + Math.max(0, slot.lastServiceMs) * 0.2;
    if (task.timer) {
      task.timer.clear();
      task.timer = undefined;
    }
    if (task.grace) {
      clearTimeout(task.grace);
      task.grace = undefined;
    }
    if (!this.overlapping) {
      const head = slot.inflight.peek();
      if (head) this.began(head);
    }
    if (outcome instanceof Promise) void outcome.then((o) => task.settle(o));
    else task.settle(outcome);
    const max = this.config.maxTasksPerChild;
    if (max !== null && slot.completed >= max && slot.inflight.length === 0) {
      slot.stop();
      if (this.liveSlots() < this.config.minProcesses && this.state !== 'TERMINATE' && !this.failure) this.spawn();
    }
    this.pump();
    if (slot.inflight.length === 0 && !slot.stopping) this.armIdle(slot);
  }

  private onExit(slot: WorkerSlot, info: ExitInfo): void {
    this.slots.delete(slot);
    this.idle.disarm(slot);
    const lost = slot.inflight.drain();
    // A worker killed from outside (SIGKILL, SIGTERM) before it was ready says nothing about
    // whether workers can start; counting it would let a burst of kills fail the whole pool.
    // Workers that crash or run out of memory while starting still count.
    const killed = info.signal === 'SIGKILL' || info.signal === 'SIGTERM';
    // A worker that could not be started (no file descriptor...) says the machine is short,
    // not that workers crash: retried with backoff, never failing the pool.
    const startError = slot.ready ? undefined : info.startError;
    if (startError) this.respawn.failures++;
    else if (!slot.ready && !slot.stopping && slot.killReason === undefined && !killed && this.state === 'RUN' && !this.failure) this.startFailures++;
    const { requeue, lostTasks } = sortLostTasks(slot, info, lost, this.healing);
    // Tasks that never started, and retries, go back to the front of the queue, in order.
    for (let i = requeue.length - 1; i >= 0; i--) this.queue.unshift(requeue[i]!);
    if (this.startFailures >= MAX_START_FAILURES && !this.failure) {
      this.fail(
        errors.poolWorkerStart(
          `pool workers exit before they are ready (last exit code ${info.exitCode}${info.outOfMemory ? ', out of memory: raise maxMemoryPerWorker' : ''}); see their stderr`,
        ),
      );
    }
    if (startError) {
      this.scheduleRespawn();
      // Nothing can run these now and starting has failed repeatedly: say so, keep trying.
      if (this.cannotStart()) for (const t of this.queue.drain()) t.settle({ ok: false, error: startError });
      // minProcesses are replaced at once; above that, pump() starts workers for queued work.
    } else if (this.wanted() && this.liveSlots() < this.config.minProcesses) this.spawn();
    this.pump();
    this.afterSettle();
    this.config.events.workerExit({ pid: slot.pid, threadId: slot.threadId, exitCode: info.exitCode, signal: info.signal, lostTasks });
    if (this.slots.size === 0) for (const w of this.exitWaiters.splice(0)) w();
  }

  /** Live workers (not stopping, not exited). */
  workers(): WorkerInfo[] {
    const out: WorkerInfo[] = [];
    for (const s of this.slots) {
      // pid -1: a worker that could not start (its exit is on its way); never hand out -1 as a pid.
      if (s.stopping || s.exited || s.pid < 0) continue;
      out.push({ pid: s.pid, threadId: s.threadId, ready: s.ready, inflight: s.inflight.length, kill: () => s.signal('SIGKILL') });
    }
    return out;
  }

  private wanted(): boolean {
    return this.state !== 'TERMINATE' && !this.failure && (this.state === 'RUN' || this.busy > 0);
  }

  /** No worker is alive or starting, and the last few could not be started: tasks cannot wait. */
  private cannotStart(): boolean {
    return this.respawn.failures >= MAX_START_FAILURES && this.liveSlots() === 0;
  }

  /** Starts the missing workers after a delay that doubles with each failed spawn in a row. */
  private scheduleRespawn(): void {
    if (this.respawn.waiting || !this.wanted()) return;
    this.respawn.schedule(() => this.respawnNow(), this.refed);
  }

  private respawnNow(): void {
    this.respawn.cancel();
    if (!this.wanted()) return;
    // Back to minProcesses; pump() starts more for work that waits.
    for (let n = this.liveSlots(); n < this.config.minProcesses; n++) this.spawn();
    this.pump();
    this.updateRef();
  }

  private liveSlots(): number {
    let n = 0;
    for (const s of this.slots) if (!s.stopping) n++;
    return n;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.respawn.cancel();
    this.queuedAborted = 0;
    for (const t of this.queue.drain()) t.settle({ ok: false, error });
    for (const s of this.slots) {
      for (const t of s.inflight.drain()) t.settle({ ok: false, error });
      s.kill(error);
    }
  }

  private afterSettle(): void {
    if (this.busy === 0 && this.state === 'CLOSE') for (const s of this.slots) s.stop();
    this.updateRef();
    if (this.busy === 0 && this.hadWork && !this.drainSoon) {
      // Told once the pool's own bookkeeping is done (a listener may submit more work); work
      // that arrives before then postpones it to the next time everything is done.
      this.drainSoon = true;
      queueMicrotask(() => {
        this.drainSoon = false;
        if (this.busy !== 0 || !this.hadWork) return;
        this.hadWork = false;
        this.config.events.drain();
      });
    }
  }

  /** pool.stats(): counters, time distributions and what the workers are doing now. */
  snapshot(): PoolStats {
    let processes = 0,
      idle = 0,
      busy = 0,
      running = 0;
    for (const s of this.slots) {
      // Alive until it exited, also while it stops (after idleTimeout, maxTasksPerChild, close()).
      if (s.exited) continue;
      processes++;
      let n = 0;
      for (let i = 0; i < s.inflight.length; i++) if (!s.inflight.at(i)!.done) n++;
      running += n;
      if (n > 0) busy++;
      else idle++;
    }
    return this.stats.snapshot({ processes, idle, busy, queued: this.queued(), running, capacity: this.config.processes * this.config.tasksPerWorker });
  }

  /** Idle running pools do not keep the program alive; busy or closing ones do. */
  private updateRef(): void {
    const want = this.busy > 0 || this.state !== 'RUN';
    if (want === this.refed) return;
    this.refed = want;
    for (const s of this.slots)
      if (want) s.ref();
      else s.unref();
    this.respawn.ref(want);
  }

  close(): void {
    if (this.state !== 'RUN') return;
    this.state = 'CLOSE';
    this.afterSettle();
  }

  terminate(): Promise<void> {
    if (this.state !== 'TERMINATE') {
      this.state = 'TERMINATE';
      this.respawn.cancel();
      const error = terminatedError();
      this.queuedAborted = 0;
      for (const t of this.queue.drain()) t.settle({ ok: false, error });
      for (const s of this.slots) {
        for (const t of s.inflight.drain()) t.settle({ ok: false, error });
        s.signal('SIGTERM');
      }
      this.updateRef();
    }
    return this.allExited();
  }

  allExited(): Promise<void> {
    if (this.slots.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }
}
