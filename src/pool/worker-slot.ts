// One pool worker as the pool sees it. It owns the worker (its channel, exit, keep-alive and
// progress cell: nothing else reaches them), the tasks sent to it in order, the functions it
// already knows, and the answer to "which of its tasks had started" (while it runs and after
// it died).
import { decode } from '../codec/codec.js';
import type { Message } from '../channel/channel.js';
import { readNumbers } from '../codec/numbers.js';
import { M, Mode, Status, type AbortMsg, type CancelMsg, type FnMsg, type FromPoolWorker, type InitData, type StopMsg, type TaskMsg } from '../protocol/runtime.js';
import { startWorker, type ExitInfo, type WorkerHandle, type WorkerLimits } from '../runtime/spawn.js';
import type { StartMethod } from '../runtime/start-method.js';
import { attachChannel } from '../connection/router.js';
import { Ring } from '../util/ring.js';
import type { Outcome, Task } from './task.js';

export interface SlotEvents {
  ready(slot: WorkerSlot): void;
  initFailed(slot: WorkerSlot, error: unknown): void;
  result(slot: WorkerSlot, task: Task, outcome: Outcome | Promise<Outcome>): void;
  exit(slot: WorkerSlot, info: ExitInfo): void;
}

export class WorkerSlot {
  readonly #handle: WorkerHandle;
  /** Tasks sent and not answered, in the order sent (the worker starts them in that order). */
  readonly inflight = new Ring<Task>(8);
  readonly #knownFns = new Set<number>();
  /** Runs several tasks at once (tasksPerWorker > 1). */
  readonly #overlapping: boolean;
  #completed = 0;
  #assigned = 0;
  #ready = false;
  #stopping = false;
  #killReason: unknown = undefined;
  #killTarget: Task | undefined = undefined;
  #headSince = 0;
  #lastServiceMs = 0;
  #lastActive = 0;
  readonly address: string;

  constructor(
    method: StartMethod,
    init: InitData,
    private readonly events: SlotEvents,
    limits: WorkerLimits = {},
  ) {
    this.address = init.address;
    this.#overlapping = (init.tasksPerWorker ?? 1) > 1;
    this.#handle = startWorker(method, init, limits);
    attachChannel(init.address, this.#handle.channel, (msg) => this.onMessage(msg));
    void this.#handle.exited.then((info) => events.exit(this, info));
  }

  get pid(): number {
    return this.#handle.pid;
  }
  get threadId(): number | undefined {
    return this.#handle.threadId;
  }
  get name(): string {
    return `pid ${this.pid}${this.threadId !== undefined ? ` thread ${this.threadId}` : ''}`;
  }
  /** It exited (its exit event may still be on its way to the pool). */
  get exited(): boolean {
    return this.#handle.exit !== null;
  }
  /** It ran its initializer and takes tasks. */
  get ready(): boolean {
    return this.#ready;
  }
  /** It was told to stop: it takes no more tasks. */
  get stopping(): boolean {
    return this.#stopping;
  }
  /** Results received (for maxTasksPerChild). */
  get completed(): number {
    return this.#completed;
  }
  /** Tasks sent so far (for maxTasksPerChild, and the sequence numbers of tasks). */
  get assigned(): number {
    return this.#assigned;
  }
  /** When the current first task started, for the service-time estimate. */
  /** ms from the head task's start (or the previous result) to the last result: one task's service time. */
  get lastServiceMs(): number {
    return this.#lastServiceMs;
  }
  /** When it last returned a result: the pool prefers a warm worker among idle ones. */
  get lastActive(): number {
    return this.#lastActive;
  }
  /** Why the pool stopped this worker (timeout, abort, failure), and for which task. */
  get killReason(): unknown {
    return this.#killReason;
  }
  get killTarget(): Task | undefined {
    return this.#killTarget;
  }

  /** Whether it keeps the program alive. */
  ref(): void {
    this.#handle.ref();
  }
  unref(): void {
    this.#handle.unref();
  }

  send(task: Task): void {
    const ch = this.#handle.channel;
    if (!this.#knownFns.has(task.fnId)) {
      this.#knownFns.add(task.fnId);
      const fn: FnMsg = [M.FN, task.fnId, task.fnRef];
      ch.send(fn);
    }
    // Pipe ends inside now travel to this worker: if it dies before taking them, they close.
    for (const t of task.transits) t.rebind(this.address);
    // Watched tasks (timeout, signal) must not start behind unsent results: flag them.
    const watched = task.timeout !== undefined || task.signal !== undefined ? 1 : 0;
    const msg: TaskMsg = [M.TASK, task.id, task.fnId, task.mode, task.payload, watched];
    ch.send(msg);
    task.slot = this;
    task.dispatched = true;
    task.seq = ++this.#assigned;
    if (this.inflight.length === 0) this.#headSince = performance.now();
    this.inflight.push(task);
  }

  /** The worker skips `task` if it has not started it (it answers SKIPPED). */
  cancel(task: Task): void {
    const msg: CancelMsg = [M.CANCEL, task.id];
    this.#handle.channel.send(msg);
  }

  /** tasksPerWorker > 1: aborts the taskSignal() of `task`, running in the worker. */
  abortRunning(task: Task): void {
    const msg: AbortMsg = [M.ABORT, task.id];
    this.#handle.channel.send(msg);
  }

  /** Asks it to finish what it was sent and exit. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    const msg: StopMsg = [M.STOP];
    this.#handle.channel.send(msg);
  }

  /** Stops it at once for `reason` (remembered, with the task it was for, by the first call). */
  kill(reason: unknown, target?: Task): void {
    if (this.#killReason === undefined) {
      this.#killReason = reason;
      this.#killTarget = target;
    }
    this.#handle.stop('SIGKILL');
  }

  /** Ends it as an outside signal would, with no reason of the pool's (terminate(), WorkerInfo.kill). */
  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.#handle.stop(signal);
  }

  /**
   * Sequence number of the last task the worker started (tasks start in the order sent).
   * One task at a time: the worker records it only while results are held back in a batch;
   * otherwise everything before the first task without a result was answered, so that task
   * is the one started (or about to be: at most once). Overlapping: it records every start in
   * its progress cell first, so every task up to that number started and none after it did;
   * without any cell everything sent counts as started (a death then loses those tasks rather
   * than running one twice).
   */
  startedSeq(): number {
    const progress = this.#handle.progress;
    if (this.#overlapping) return progress ? progress.read() : this.#assigned;
    const head = this.inflight.peek()?.seq ?? 0;
    return Math.max(progress?.read() ?? 0, head);
  }

  /**
   * After its exit, with `lost` its unanswered tasks (taken from `inflight`, in order): the
   * sequence number of the last one it started. Before READY it started none (tasks run after
   * the initializer; a thread's progress cell would say otherwise). A thread, or a process
   * where the addon loads, records every task it starts in a shared-memory cell: that is
   * exact. A process with a progress file records only while results wait in a batch;
   * otherwise it sent each result before starting the next task, so the first task without a
   * result is the one it started (or was about to).
   */
  startedOnExit(lost: Task[]): number {
    const progress = this.#handle.progress;
    if (!this.#ready && (progress?.read() ?? 0) === 0) return 0;
    if (progress?.exact || this.#overlapping) return this.startedSeq();
    return Math.max(this.startedSeq(), lost[0]?.seq ?? 0);
  }

  /**
   * The task a result is for: the first one sent (a worker running one task at a time answers
   * in order), or, where tasks overlap (tasksPerWorker > 1), whichever carries that id.
   */
  private takeResult(id: number): Task | undefined {
    const head = this.inflight.peek();
    if (!head) return undefined;
    if (head.id === id) return this.inflight.shift();
    for (let i = 1; i < this.inflight.length; i++) {
      const t = this.inflight.at(i)!;
      if (t.id === id) {
        this.inflight.remove(t);
        return t;
      }
    }
    return undefined;
  }

  private onMessage(raw: Message): void {
    const msg = raw as FromPoolWorker;
    switch (msg[0]) {
      case M.READY:
        this.#ready = true;
        this.events.ready(this);
        return;
      case M.INIT_FAILED:
        this.events.initFailed(this, safeDecode(msg[1]));
        return;
      case M.RESULT: {
        const [, id, status, payload] = msg;
        const task = this.takeResult(id);
        if (!task) return;
        this.#completed++;
        // Measured before the head moves on: the scheduler sizes its pipeline from it.
        const now = performance.now();
        this.#lastServiceMs = now - this.#headSince;
        this.#headSince = this.#lastActive = now;
        this.events.result(this, task, toOutcome(status, payload, task.mode !== Mode.APPLY));
      }
    }
  }
}

function safeDecode(bytes: Uint8Array): unknown {
  try {
    return decode(bytes, { allowModules: true });
  } catch (e) {
    return e;
  }
}

/** `chunk`: a map chunk's results, which come back as a typed array when they are all numbers (codec/numbers.ts). */
function toOutcome(status: Status, payload: Uint8Array | null, chunk: boolean): Outcome | Promise<Outcome> {
  if (status === Status.SKIPPED || !payload) return { ok: false, error: undefined };
  if (chunk && status === Status.OK) {
    const numbers = readNumbers(payload);
    if (numbers) return { ok: true, value: numbers };
  }
  let decoded: unknown;
  try {
    decoded = decode(payload);
  } catch (e) {
    return { ok: false, error: e };
  }
  if (decoded instanceof Promise)
    return decoded.then(
      (v: unknown) => build(status, v),
      (e: unknown): Outcome => ({ ok: false, error: e }),
    );
  return build(status, decoded);
}

/** A decoded result as an Outcome (a module function: no closure per result). */
function build(status: Status, v: unknown): Outcome {
  if (status === Status.OK) return { ok: true, value: v };
  if (status === Status.ERROR) return { ok: false, error: v };
  const [values, errors] = v as [unknown[], [number, unknown][]];
  return { ok: 'partial', values, errors };
}
