// One pool worker as the pool sees it: its channel, the tasks sent to it (in order; only the
// first can be running), the functions it already knows, and its exit.
import { decode } from '../codec/codec.js';
import type { Message } from '../channel/channel.js';
import { M, Status } from '../runtime/protocol.js';
import { startWorker, type ExitInfo, type WorkerHandle, type WorkerLimits } from '../runtime/spawn.js';
import type { InitData } from '../runtime/protocol.js';
import type { StartMethod } from '../runtime/start-method.js';
import { attachChannel } from '../connection/router.js';
import { Ring } from './ring.js';
import type { Outcome, Task } from './task.js';

export interface SlotEvents {
  ready(slot: WorkerSlot): void;
  initFailed(slot: WorkerSlot, error: unknown): void;
  result(slot: WorkerSlot, task: Task, outcome: Outcome | Promise<Outcome>): void;
  exit(slot: WorkerSlot, info: ExitInfo): void;
}

export class WorkerSlot {
  readonly handle: WorkerHandle;
  readonly inflight = new Ring<Task>(8);
  readonly knownFns = new Set<number>();
  completed = 0;
  /** Tasks sent so far (for maxTasksPerChild, and the sequence numbers of tasks). */
  assigned = 0;
  ready = false;
  stopping = false;
  /** Why the pool stopped this worker (timeout, abort), and for which task. */
  killReason: unknown = undefined;
  killTarget: Task | undefined = undefined;
  readonly address: string;
  /** When the current first task started, for the service-time estimate. */
  headSince = 0;
  /** When it last returned a result: the pool prefers a warm worker among idle ones. */
  lastActive = 0;

  constructor(method: StartMethod, init: InitData, private readonly events: SlotEvents, limits: WorkerLimits = {}) {
    this.address = init.address;
    this.handle = startWorker(method, init, limits);
    attachChannel(init.address, this.handle.channel, (msg) => this.onMessage(msg));
    void this.handle.exited.then((info) => events.exit(this, info));
  }

  get name(): string { return `pid ${this.handle.pid}${this.handle.threadId !== undefined ? ` thread ${this.handle.threadId}` : ''}`; }

  send(task: Task): void {
    const ch = this.handle.channel;
    if (!this.knownFns.has(task.fnId)) {
      this.knownFns.add(task.fnId);
      ch.send([M.FN, task.fnId, task.fnRef]);
    }
    // Pipe ends inside now travel to this worker: if it dies before taking them, they close.
    for (const t of task.transits) t.rebind(this.address);
    // Watched tasks (timeout, signal) must not start behind unsent results: flag them.
    const watched = task.timeout !== undefined || task.signal !== undefined ? 1 : 0;
    ch.send([M.TASK, task.id, task.fnId, task.mode, task.payload, watched]);
    task.slot = this;
    task.dispatched = true;
    task.seq = ++this.assigned;
    if (this.inflight.length === 0) this.headSince = performance.now();
    this.inflight.push(task);
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.handle.channel.send([M.STOP]);
  }

  /**
   * Sequence number of the last task the worker started. The worker records it only while
   * results are held back in a batch; otherwise everything before the first task without a
   * result was answered, so that task is the one started (or about to be: at most once).
   */
  startedSeq(): number {
    const head = this.inflight.peek()?.seq ?? 0;
    return Math.max(this.handle.progress?.read() ?? 0, head);
  }

  kill(reason: unknown, target?: Task): void {
    if (this.killReason === undefined) { this.killReason = reason; this.killTarget = target; }
    this.handle.stop('SIGKILL');
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
      if (t.id === id) { this.inflight.remove(t); return t; }
    }
    return undefined;
  }

  private onMessage(msg: Message): void {
    switch (msg[0]) {
      case M.READY: this.ready = true; this.events.ready(this); return;
      case M.INIT_FAILED: this.events.initFailed(this, safeDecode(msg[1] as Uint8Array)); return;
      case M.RESULT: {
        const task = this.takeResult(msg[1] as number);
        if (!task) return;
        this.completed++;
        this.headSince = this.lastActive = performance.now();
        this.events.result(this, task, toOutcome(msg[2] as number, msg[3] as Uint8Array | null));
      }
    }
  }
}

function safeDecode(bytes: Uint8Array): unknown {
  try { return decode(bytes, { allowModules: true }); } catch (e) { return e; }
}

function toOutcome(status: number, payload: Uint8Array | null): Outcome | Promise<Outcome> {
  if (status === Status.SKIPPED || !payload) return { ok: false, error: undefined };
  let decoded: unknown;
  try { decoded = decode(payload); } catch (e) { return { ok: false, error: e }; }
  const build = (v: unknown): Outcome => {
    if (status === Status.OK) return { ok: true, value: v };
    if (status === Status.ERROR) return { ok: false, error: v };
    const [values, errors] = v as [unknown[], [number, unknown][]];
    return { ok: 'partial', values, errors };
  };
  return decoded instanceof Promise ? decoded.then(build, (e: unknown) => ({ ok: false, error: e })) : build(decoded);
}
