// Barrier: `parties` processes meet; the last to arrive runs `action` (an exported or
// self-contained function, so any process can run it) before all are released.
import { BrokenBarrierError, errors } from '../errors.js';
import { resolveFnRef } from '../functions/resolve.js';
import { toFnRef, type FnRef } from '../functions/reference.js';
import { HubProxy, isAdopting, registerProxyType, timeoutArg } from '../hub/proxy.js';
import type { BarrierOps } from '../hub/ops.js';

export interface BarrierOptions {
  /** Runs once per pass, in the process of the last waiter to arrive. */
  action?: () => unknown;
  /** Default timeout (ms) of wait(). */
  timeout?: number;
}

interface BarrierSpec {
  parties: number;
  action: boolean;
  timeout: number | null;
  ref?: FnRef;
}

export class Barrier extends HubProxy<BarrierOps> {
  #action: (() => unknown) | null = null;

  constructor(parties?: number, options: BarrierOptions = {}) {
    let spec: BarrierSpec | Record<string, never> = {};
    if (!isAdopting()) {
      if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1) throw errors.invalidArgValue('Barrier(parties): parties must be an integer >= 1');
      if (options.action !== undefined && typeof options.action !== 'function') throw errors.invalidArgType('Barrier action must be a function');
      // By reference at once, so a Barrier whose action could not run elsewhere fails here.
      const ref = options.action ? toFnRef(options.action, 'Barrier action') : undefined;
      spec = { parties, action: !!options.action, timeout: timeoutArg(options.timeout, 'Barrier'), ...(ref ? { ref } : {}) };
    }
    super('Barrier', spec);
    if (options?.action) this.#action = options.action;
  }

  get parties(): number {
    return (this.spec as BarrierSpec).parties;
  }

  /** Waits for the others; resolves with this waiter's arrival index (exactly one gets 0). */
  async wait(timeout?: number): Promise<number> {
    const args = timeout === undefined ? [] : [timeoutArg(timeout, 'Barrier.wait()')];
    const [index, runAction] = (await this.call('wait', ...args)) as [number, boolean];
    if (!runAction) return index;
    try {
      const action = this.#action ?? (this.#action = await this.#namedAction());
      await action();
    } catch (e) {
      await this.call('actionDone', false);
      throw e;
    }
    await this.call('actionDone', true);
    return index;
  }

  /**
   * The action named in the spec of a Barrier made elsewhere. A proxy from outside this
   * program's process tree (a remote manager, a Listener connection) carries a spec its sender
   * chose: the code it names is never imported or run here.
   */
  async #namedAction(): Promise<() => unknown> {
    if (this.hubTarget.trusted === false) {
      throw errors.untrustedAction(
        'this Barrier came from outside this program (a remote manager or a socket peer) and only its reference names its action, ' +
          'which this process does not import or run; the barrier is broken. Only a process that passed { action } itself runs it: ' +
          'make the Barrier without one and do the work where wait() resolves with index 0',
      );
    }
    return (await resolveFnRef((this.spec as BarrierSpec).ref!)) as () => unknown;
  }

  /** @internal A manager's Barrier is adopted from its reference: its creator still runs the action it passed. */
  useAction(action: (() => unknown) | undefined): this {
    if (action) this.#action = action;
    return this;
  }

  abort(): Promise<void> {
    return this.call('abort').then(() => undefined);
  }
  reset(): Promise<void> {
    return this.call('reset').then(() => undefined);
  }
  nWaiting(): Promise<number> {
    return this.call('nWaiting') as Promise<number>;
  }
  broken(): Promise<boolean> {
    return this.call('broken') as Promise<boolean>;
  }
}

export { BrokenBarrierError };
registerProxyType('Barrier', Barrier);
