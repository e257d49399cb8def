// What a cluster Pool knows about the machines serving it, from the worker registry the
// workers heartbeat (registry.ts): the live machines' processes and running counts for
// stats(), and which machines appeared or vanished for the workerStart / workerExit events.
// It reads the registry once per heartbeat period (stalledTimeout / 4, the workers' own beat),
// never faster, and only while the pool has event listeners or work; its timer never keeps
// the program alive. Which of this pool's tasks a vanished machine held is not recorded
// anywhere: it is inferred from BullMQ's stalled reports for this pool's tasks that came after
// the machine's last heartbeat (a dead machine's jobs stall about stalledTimeout / 2 after it
// died, its registration expires stalledTimeout after its last beat, so they come first; the
// exit is announced one read after the registration was first missed, to leave a margin).
import type { ClusterCore } from './core.js';
import type { WorkerRecord } from './registry.js';
import type { WorkerExitInfo, WorkerStartInfo } from '../pool/events.js';

export interface MachineEvents {
  start(info: WorkerStartInfo): void;
  exit(info: WorkerExitInfo): void;
}

export class MachineWatch {
  /** Live machines by registration id, as last read. */
  #known = new Map<string, WorkerRecord>();
  /** Missing from the last read: announced as exited if still missing at the next. */
  #missing = new Set<string>();
  /** Stalls of this pool's tasks not yet put down to a vanished machine: [when, id]. */
  #stalls: [number, string][] = [];
  #timer: NodeJS.Timeout | undefined;
  #reading = false;
  readonly #period: number;
  readonly #onStall: (id: string) => void;

  constructor(
    private readonly core: ClusterCore,
    private readonly mine: (id: string) => boolean,
    private readonly events: MachineEvents,
  ) {
    this.#period = Math.max(250, Math.floor(core.options.stalledTimeout / 4));
    this.#onStall = (id) => {
      if (!this.mine(id)) return;
      this.#stalls.push([Date.now(), id]);
      if (this.#stalls.length > 10_000) this.#stalls.splice(0, this.#stalls.length - 10_000);
    };
  }

  /** The live machines last read (empty before the first read). */
  get machines(): WorkerRecord[] {
    return [...this.#known].filter(([id]) => !this.#missing.has(id)).map(([, w]) => w);
  }

  get watching(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer) return;
    this.core.stallListeners.add(this.#onStall);
    this.#timer = setInterval(() => void this.read(), this.#period);
    this.#timer.unref();
    void this.read();
  }

  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.core.stallListeners.delete(this.#onStall);
  }

  /** One read of the registry; announces the machines that came and went since the last. */
  async read(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      let list: WorkerRecord[];
      try {
        list = await this.core.workers(true);
      } catch {
        return; /* Redis away: no news is not an exit */
      }
      const now = new Map(list.map((w) => [w.id, w]));
      for (const [id, w] of now) {
        if (!this.#known.has(id)) {
          this.#known.set(id, w);
          this.events.start({ pid: w.pid, threadId: undefined });
        } else this.#known.set(id, w);
      }
      for (const [id, w] of [...this.#known]) {
        if (now.has(id)) {
          this.#missing.delete(id);
          continue;
        }
        if (!this.#missing.has(id)) {
          this.#missing.add(id);
          continue;
        }
        this.#missing.delete(id);
        this.#known.delete(id);
        const lost = this.#stalls.filter(([at]) => at >= w.lastSeen);
        this.#stalls = this.#stalls.filter(([at]) => at < w.lastSeen);
        this.events.exit({ pid: w.pid, threadId: undefined, exitCode: null, signal: null, lostTasks: lost.length });
      }
      // Stalls older than any live machine's registration lifetime will never be claimed.
      const horizon = Date.now() - 4 * this.core.options.stalledTimeout;
      if (this.#stalls.length > 0 && this.#stalls[0]![0] < horizon) this.#stalls = this.#stalls.filter(([at]) => at >= horizon);
    } finally {
      this.#reading = false;
    }
  }
}
