// Process: run a function (or a subclass's run()) in a child process or thread, with
// CPython's lifecycle, names, exit codes and daemon rules.
import { inspect } from 'node:util';
import { encode, decode } from '../codec/codec.js';
import { errors } from '../errors.js';
import { checkMaxMemory } from './limits.js';
import { toFnRef, exportRefOf, type FnRef, type ExportRef } from '../functions/reference.js';
import { assertNotBootstrapping } from '../runtime/guards.js';
import { M } from '../protocol/runtime.js';
import { startWorker, type WorkerHandle } from '../runtime/spawn.js';
import { getStartMethod, normalizeMethod, type StartMethodName, type StartMethod } from '../runtime/start-method.js';
import { globalSingleton, runtimeState } from '../util/state.js';
import { addChild, hookMainExit } from './children.js';
import { attachChannel, childAddress } from '../connection/router.js';
import { withDestination } from '../connection/transit.js';
import { towardProcesses } from '../shm/crossing.js';
import { getLogger } from '../runtime/logging.js';
import { programAuthKey } from '../runtime/auth-key.js';
import { longTimeout } from '../util/long-timer.js';
import { assignOwn } from '../codec/own.js';

export interface ProcessOptions<A extends unknown[] = unknown[]> {
  /** Exported function (or self-contained one) to run in the child; run() calls it. */
  target?: (...args: A) => unknown;
  args?: A;
  name?: string;
  /** Defaults to the creating process's flag. */
  daemon?: boolean;
  /**
   * Heap limit of the child, in MB (`--max-old-space-size` for a process,
   * `resourceLimits.maxOldGenerationSizeMb` for a thread). Past it the child ends and
   * `error` is a WorkerLostError with code ERR_WORKER_OUT_OF_MEMORY.
   */
  maxMemoryPerWorker?: number;
  /** 'process' (default) or 'thread'. */
  context?: StartMethodName;
}

type State = 'initial' | 'started' | 'closed';

const kContextClass = Symbol.for('multiproc.contextClass');
/** Process itself, or getContext()'s subclass of it: nothing user-defined to send. */
function isPlainProcessClass(ctor: Function): boolean {
  for (let c: Function | null = ctor; c; c = Object.getPrototypeOf(c) as Function | null) {
    if (Object.prototype.hasOwnProperty.call(c, kProcessBase)) return true;
    if (!Object.prototype.hasOwnProperty.call(c, kContextClass)) return false;
  }
  return false;
}

/** Marks the base class so a revived subclass finds it whichever copy of the library it extends. */
export const kProcessBase = Symbol.for('multiproc.Process');
/** Set while the child rebuilds its own Process object: the constructor then skips its checks.
 * Shared by every copy of the library in the thread: the subclass may extend another copy. */
const revival = globalSingleton('processRevival', () => ({ init: null as { name: string; daemon: boolean; identity: number[] } | null }));

export class Process<A extends unknown[] = unknown[]> {
  static readonly [kProcessBase] = true;
  #target: ((...args: A) => unknown) | undefined;
  #args: A;
  #name: string;
  #daemon: boolean;
  #method: StartMethod;
  #maxMemory: number | undefined;
  #identity: number[];
  #state: State = 'initial';
  #handle: WorkerHandle | null = null;
  #error: unknown = undefined;
  /** Resolves once the child ended and its error (if any) is decoded. */
  #ended: Promise<void> | null = null;
  #self = false;

  constructor(options: ProcessOptions<A> = {}) {
    const reviving = revival.init;
    if (reviving) {
      this.#args = [] as unknown as A;
      this.#name = reviving.name;
      this.#daemon = reviving.daemon;
      this.#identity = reviving.identity;
      this.#method = getStartMethod();
      this.#self = true;
      this.#state = 'started';
      return;
    }
    assertNotBootstrapping('Process');
    if (options === null || typeof options !== 'object') throw errors.invalidArgType('new Process() takes an options object: new Process({ target, args })');
    const state = runtimeState();
    if (options.target !== undefined && typeof options.target !== 'function') {
      throw errors.invalidArgType(`target must be a function, got ${typeof options.target}`);
    }
    if (options.args !== undefined && !Array.isArray(options.args)) {
      throw errors.invalidArgType("args must be an array of arguments, e.g. args: [1, 2] (Python's tuple)");
    }
    checkMaxMemory(options.maxMemoryPerWorker);
    this.#maxMemory = options.maxMemoryPerWorker ?? undefined;
    this.#target = options.target;
    this.#args = (options.args ?? []) as A;
    this.#identity = [...state.identity, ++state.childCounter];
    this.#name = options.name ?? `${new.target.name || 'Process'}-${this.#identity.join(':')}`;
    this.#daemon = options.daemon ?? state.daemon;
    this.#method = options.context ? normalizeMethod(options.context) : getStartMethod();
  }

  /** Runs in the child. Override it in a subclass, or pass `target`. */
  run(): unknown {
    const target = this.#target;
    // Called as a plain function, as CPython calls target(*args).
    return target ? target(...this.#args) : undefined;
  }

  start(): void {
    this.#checkClosed();
    if (this.#state !== 'initial') throw errors.processStarted(`${this.#name} was already started; a process can be started only once, create a new Process`);
    assertNotBootstrapping('Process');
    const state = runtimeState();
    if (state.daemon) throw errors.daemonChildren(`${state.name} is a daemon process and daemon processes cannot have children; start it with daemon: false`);
    let targetRef: FnRef | null = null;
    let clsRef: ExportRef | null = null;
    let fields: Uint8Array | null = null;
    const ctor = this.constructor as typeof Process;
    if (!isPlainProcessClass(ctor)) {
      const ref = exportRefOf(ctor);
      if (!ref) {
        throw errors.notTransferable(`class ${ctor.name} is not exported from its module; export it so the child can find its run() (export class ${ctor.name} extends Process)`);
      }
      clsRef = ref;
    }
    if (this.#target) targetRef = toFnRef(this.#target, 'target');
    const address = childAddress();
    // Connections inside the arguments are bound to this child while they travel.
    // Toward a child process, shared memory without the addon is refused here (crossing.ts).
    const args = withDestination(address, () =>
      towardProcesses(this.#method !== 'thread', () => {
        if (clsRef) fields = encode({ ...this }, ctor.name);
        return encode(this.#args, 'args');
      }),
    );
    const handle = startWorker(
      this.#method,
      {
        role: 'process',
        name: this.#name,
        identity: this.#identity,
        daemon: this.#daemon,
        address,
        parent: { pid: process.pid, name: state.name },
        log: logSettings(),
        tsxApi: state.tsxApi,
        startMethod: this.#method,
      },
      this.#maxMemory !== undefined ? { maxMemoryMb: this.#maxMemory } : {},
    );
    this.#handle = handle;
    this.#state = 'started';
    let decoding: Promise<void> = Promise.resolve();
    attachChannel(
      address,
      handle.channel,
      (msg) => {
        if (msg[0] !== M.ERROR) return;
        try {
          const err = decode(msg[1] as Uint8Array);
          if (err instanceof Promise)
            decoding = err.then(
              (e) => {
                this.#error = e;
              },
              (e: unknown) => {
                this.#error = e;
              },
            );
          else this.#error = err;
        } catch (e) {
          this.#error = e;
        }
      },
      handle.routePort,
    );
    this.#ended = handle.exited.then(async (info) => {
      await decoding;
      // It never started (no file descriptor, no process slot): ERR_WORKER_START, errno as cause.
      if (info.startError && this.#error === undefined) this.#error = info.startError;
      if (info.outOfMemory && this.#error === undefined) {
        const limit = this.#maxMemory !== undefined ? `its heap limit (maxMemoryPerWorker: ${this.#maxMemory} MB)` : 'the heap limit';
        this.#error = errors.workerOutOfMemory(`${this.#name} ran out of memory: it reached ${limit}; raise maxMemoryPerWorker or make it use less memory`, {
          exitCode: info.exitCode,
          signal: info.signal,
        });
      }
    });
    handle.channel.send([M.RUN, targetRef, clsRef, fields, args]);
    if (this.#daemon) handle.unref();
    addChild(this);
    if (!state.isWorker) hookMainExit();
  }

  /** Resolves when the process ends, or after `timeout` ms (then check exitCode). */
  join(timeout?: number): Promise<void> {
    this.#checkClosed();
    if (this.#self) throw errors.processJoinSelf('a process cannot join itself');
    const handle = this.#handle;
    if (!handle) throw errors.processNotStarted(`${this.#name} was not started; call start() before join()`);
    const ended = this.#ended!;
    if (timeout === undefined || timeout === null) return ended;
    return new Promise((resolve) => {
      const timer = longTimeout(resolve, timeout);
      void ended.then(() => {
        timer.clear();
        resolve();
      });
    });
  }

  /** For wait(): calls `fn` when the process has ended (public: wait()'s type takes what has it). */
  onReady(fn: () => void): () => void {
    const handle = this.#handle;
    if (!handle) throw errors.processNotStarted(`${this.#name} was not started; start() it before waiting on it`);
    let live = true;
    void this.#ended!.then(() => {
      if (live) fn();
    });
    return () => {
      live = false;
    };
  }

  /** Something wait() accepts that becomes ready when this process ends (CPython's sentinel). */
  get sentinel(): this {
    this.#checkClosed();
    // As CPython's ValueError: a process that was never started has nothing to wait for.
    if (!this.#handle && !this.#self) throw errors.processNotStarted(`${this.#name} was not started; start() it before reading its sentinel`);
    return this;
  }

  isAlive(): boolean {
    this.#checkClosed();
    if (this.#self) return true;
    return this.#handle !== null && this.#handle.exit === null;
  }

  /** SIGTERM (a thread is stopped); exitCode becomes -15. */
  terminate(): void {
    this.#started('terminate').stop('SIGTERM');
  }
  /** SIGKILL; exitCode becomes -9. */
  kill(): void {
    this.#started('kill').stop('SIGKILL');
  }

  #started(what: string): WorkerHandle {
    this.#checkClosed();
    if (this.#self) throw errors.processJoinSelf(`a process cannot ${what}() itself; use process.exit()`);
    if (!this.#handle) throw errors.processNotStarted(`${this.#name} was not started; start() it before ${what}()`);
    return this.#handle;
  }

  /** Releases the process object; it must have ended. Later use throws ERR_PROCESS_CLOSED. */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#handle && !this.#handle.exit) throw errors.processRunning(`${this.#name} is still running; join() or terminate() it before close()`);
    this.#state = 'closed';
  }

  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    if (typeof value !== 'string') throw errors.invalidArgType('name must be a string');
    this.#name = value;
    if (this.#self) runtimeState().name = value;
  }
  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (this.#state !== 'initial') throw errors.processStarted('daemon can only be set before start()');
    this.#daemon = Boolean(value);
  }
  get pid(): number | undefined {
    this.#checkClosed();
    return this.#self ? process.pid : this.#handle?.pid;
  }
  get ident(): number | undefined {
    return this.pid;
  }
  /** Set in the thread context: the worker thread's id. */
  get threadId(): number | undefined {
    return this.#handle?.threadId;
  }
  get exitCode(): number | null {
    this.#checkClosed();
    return this.#handle?.exit?.exitCode ?? null;
  }
  /**
   * The key this process proves it knows to hubs, managers and listeners of the program
   * (CPython's `authkey`): every worker inherits the program's key. A copy; read-only.
   */
  get authKey(): Buffer {
    return Buffer.from(programAuthKey());
  }
  /** The revived error when run() threw in the child. */
  get error(): unknown {
    return this.#error;
  }
  get context(): StartMethod {
    return this.#method;
  }

  #checkClosed(): void {
    if (this.#state === 'closed') throw errors.processClosed(`${this.#name} was closed; create a new Process`);
  }

  toString(): string {
    const parts = [`name='${this.#name}'`];
    const status = this.#state === 'closed' ? 'closed' : this.#self ? 'started' : !this.#handle ? 'initial' : this.#handle.exit ? 'stopped' : 'started';
    if (this.#handle && this.#state !== 'closed') parts.push(`pid=${this.#handle.pid}`);
    parts.push(`parent=${this.#self ? (runtimeState().parent?.pid ?? '?') : process.pid}`);
    parts.push(status);
    const exit = this.#handle?.exit;
    if (exit && this.#state !== 'closed' && exit.exitCode !== 0) {
      parts.push(`exitcode=${exit.signal ? `-${exit.signal}` : exit.exitCode}`);
    }
    if (this.#daemon) parts.push('daemon');
    return `<${this.constructor.name} ${parts.join(' ')}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** @internal Child side: rebuild the Process object this child runs. */
  static revive(
    cls: Function,
    init: { name: string; daemon: boolean; identity: number[] },
    fields: object | null,
    target?: (...args: unknown[]) => unknown,
    args?: unknown[],
  ): Process {
    let base: Function = cls;
    while (base && !(kProcessBase in base && Object.prototype.hasOwnProperty.call(base, kProcessBase))) base = Object.getPrototypeOf(base) as Function;
    if (!base) throw errors.notTransferable(`${cls.name} does not extend Process`);
    revival.init = init;
    let instance: Process;
    try {
      instance = Reflect.construct(base, [], cls) as Process;
    } finally {
      revival.init = null;
    }
    if (fields) assignOwn(instance, fields);
    if (target) instance.#setTarget(target, args ?? []);
    return instance;
  }

  #setTarget(target: (...args: unknown[]) => unknown, args: unknown[]): void {
    this.#target = target as (...args: A) => unknown;
    this.#args = args as A;
  }
}

function logSettings(): { level: number | null; toStderr: boolean } {
  const l = getLogger();
  return { level: l.level, toStderr: l.toStderr };
}
