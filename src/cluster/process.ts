// cluster.Process: one target run as a task on some worker machine, with the local Process's
// shape: start(), join(timeout?), isAlive(), exitCode (0 when it returned, 1 when it threw,
// null while running), error (what it threw), terminate()/kill() (stop it: exitCode -15/-9).
import { longTimeout } from '../util/long-timer.js';
import { errors } from '../errors.js';
import { pack } from '../codec/codec.js';
import { toFnRef } from '../functions/reference.js';
import { Mode } from '../protocol/runtime.js';
import type { ClusterCore } from './core.js';
import { prepareForCluster, checkArgs } from './checks.js';
import { wireFn } from './refs.js';

export interface ClusterProcessOptions<A extends unknown[] = unknown[]> {
  target?: (...args: A) => unknown;
  args?: A;
  name?: string;
}

let counter = 0;

export class ClusterProcess<A extends unknown[] = unknown[]> {
  readonly #core: ClusterCore;
  readonly #target: ((...args: A) => unknown) | undefined;
  readonly #args: A;
  name: string;
  #state: 'initial' | 'started' | 'stopped' = 'initial';
  #id: string | undefined;
  #done: Promise<void> | undefined;
  #exitCode: number | null = null;
  #error: unknown;
  #result: unknown;

  /** @internal Made through a cluster context: `new cluster.Process({ target, args })`. */
  constructor(core: ClusterCore, options: ClusterProcessOptions<A> = {}) {
    if (!options || typeof options !== 'object') throw errors.invalidArgType('new cluster.Process() takes an options object: { target, args }');
    if (typeof options.target !== 'function') throw errors.invalidArgType('cluster.Process needs a target function: new cluster.Process({ target: fn, args: [...] })');
    checkArgs(options.args);
    this.#core = core;
    this.#target = options.target;
    this.#args = (options.args ?? []) as A;
    this.name = options.name ?? `ClusterProcess-${++counter}`;
  }

  /** Sends the target to a worker machine. A second call throws ERR_PROCESS_STARTED. */
  start(): void {
    if (this.#state !== 'initial') throw errors.processStarted('a process can be started only once; create a new Process');
    const f = wireFn(toFnRef(this.#target, 'target'), this.#core.options.root, 'target');
    const payload = pack(prepareForCluster(this.#args, 'args', this.#core.options.root));
    this.#state = 'started';
    this.#done = new Promise((resolve) => {
      const t = this.#core.submit({
        header: { m: Mode.APPLY, f },
        payload,
        settle: (o) => {
          if (this.#state === 'started') {
            if (o.ok === true) {
              this.#exitCode = 0;
              this.#result = o.value;
            } else {
              this.#exitCode = 1;
              this.#error = (o as { error: unknown }).error;
            }
            this.#state = 'stopped';
          }
          resolve();
        },
      });
      this.#id = t.id;
    });
  }

  /** Waits for the target to finish (or `timeout` ms). Never rejects. */
  async join(timeout?: number): Promise<void> {
    if (!this.#done) throw errors.processNotStarted('join() a process that was never started; call start() first');
    if (timeout === undefined) return this.#done;
    await new Promise<void>((resolve) => {
      const t = longTimeout(resolve, timeout);
      void this.#done!.then(() => {
        t.clear();
        resolve();
      });
    });
  }

  isAlive(): boolean {
    return this.#state === 'started';
  }
  get exitCode(): number | null {
    return this.#exitCode;
  }
  /** What the target threw (exitCode 1), else undefined. */
  get error(): unknown {
    return this.#error;
  }
  /** What the target returned (exitCode 0). */
  get result(): unknown {
    return this.#result;
  }

  #stop(code: number): void {
    if (this.#state !== 'started' || this.#id === undefined) return;
    this.#state = 'stopped';
    this.#exitCode = code;
    this.#core.fail([this.#id], errors.processTerminated('the cluster process was terminated'));
    void this.#core.cancel([this.#id]);
  }

  terminate(): void {
    this.#stop(-15);
  }
  kill(): void {
    this.#stop(-9);
  }
}
