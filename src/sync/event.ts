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
import { isMainThread } from 'node:worker_threads';

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
    // Waiters in this process's threads first (Atomics.waitAsync: one hop to their event
    // loop), then those of other processes (the futex, through the addon's helper thread).
    Atomics.notify(this.#flag, 0);
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

  /**
   * In a worker thread, sleeps on both wake-ups a set() makes and goes on at the first: a
   * setter in another thread of this process reaches this event loop directly
   * (Atomics.notify), one in another process through the futex (the addon's helper thread,
   * then this loop: one hop more).
   */
  async #sleep(deadline: number): Promise<boolean> {
    const flag = this.#flag!;
    while (Atomics.load(flag, 0) !== 1) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      const futex = futexWaitAsync(this.#addon!, this.#seg!.sab, 0, 0, left === Infinity ? -1 : left);
      // A main thread waits on the futex alone: its setters are most often other processes
      // (a process child's), and the second wait cost the process figure more than it gained.
      if (isMainThread) {
        await futex;
        continue;
      }
      const local = Atomics.waitAsync(flag, 0, 0, left === Infinity ? undefined : left);
      if (!local.async) continue;
      const first = await Promise.race([local.value.then(() => 'local' as const), futex.then((r) => (r === 2 ? ('timeout' as const) : ('futex' as const)))]);
      // Woken through the futex (a setter elsewhere): the V8 wait would stay listed until a
      // set() in this process, so it is released here; others woken with it look again.
      if (first === 'futex') Atomics.notify(flag, 0);
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
