// Event: a flag processes wait on. Between processes of one machine (the native addon loaded)
// it is a word of shared memory: set() is a store and a futex wake, isSet() a load, and
// wait() sleeps on the futex, with no message at all. Otherwise (no addon, or an Event of a
// manager, which remote peers may reach) it lives in a hub.
import { registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { HubProxy, isAdopting, registerProxyType, timeoutArg } from '../hub/proxy.js';
import type { EventOps } from '../hub/ops.js';
import { futexWaitAsync, nativeAddon, type Addon } from '../native/addon.js';
import { attachSegment, createSegment, type Segment } from '../shm/segment.js';

let fromSegment: Segment | null = null;

export class Event extends HubProxy<EventOps> {
  readonly #seg: Segment | null;
  readonly #flag: Int32Array | null;
  readonly #addon: Addon | null;

  constructor() {
    const addon = isAdopting() ? null : nativeAddon();
    const seg = fromSegment ?? (addon ? createSegment(8) : null);
    super('Event', {}, seg === null);
    this.#seg = seg;
    this.#addon = seg ? nativeAddon() : null;
    this.#flag = seg ? new Int32Array(seg.sab, 0, 1) : null;
    if (seg && !fromSegment) this.ownSegment(seg.name);
  }

  set(): Promise<void> {
    if (!this.#flag) return this.call('set').then(() => undefined);
    Atomics.store(this.#flag, 0, 1);
    this.#addon!.wake(this.#seg!.sab, 0, 0x7fffffff);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    if (!this.#flag) return this.call('clear').then(() => undefined);
    Atomics.store(this.#flag, 0, 0);
    return Promise.resolve();
  }

  isSet(): Promise<boolean> {
    if (!this.#flag) return this.call('isSet') as Promise<boolean>;
    return Promise.resolve(Atomics.load(this.#flag, 0) === 1);
  }

  /** Resolves true once set, false if `timeout` ms pass first. */
  wait(timeout?: number): Promise<boolean> {
    const limit = timeoutArg(timeout, 'Event.wait()');
    if (!this.#flag) return this.call('wait', limit) as Promise<boolean>;
    if (Atomics.load(this.#flag, 0) === 1) return Promise.resolve(true);
    if (limit === 0) return Promise.resolve(false);
    return this.#sleep(limit === null ? Infinity : performance.now() + limit);
  }

  async #sleep(deadline: number): Promise<boolean> {
    const flag = this.#flag!;
    while (Atomics.load(flag, 0) !== 1) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await futexWaitAsync(this.#addon!, this.#seg!.sab, 0, 0, left === Infinity ? -1 : left);
    }
    return true;
  }

  override [kReduce]() {
    if (!this.#seg) return super[kReduce]();
    this.markTraveled();
    return { type: 'multiproc.ShmEvent', state: this.#seg.name };
  }
}

registerProxyType('Event', Event);
registerSharedType('multiproc.ShmEvent', (name) => {
  fromSegment = attachSegment(String(name));
  try {
    return new Event();
  } finally {
    fromSegment = null;
  }
});
