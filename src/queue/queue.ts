// Queue, JoinableQueue, SimpleQueue: proxies of a queue in a hub. put() encodes at the call,
// so a value that cannot be sent throws there and nothing is lost; an unbounded queue's put
// needs no answer. get() may receive a batch (see hub/objects/queue.ts): the extra items wait
// here, are reported taken as they are handed out, and go back when the hub recalls them.
// shutdown() (Python 3.13) is decided by the hub, which tells every process using the queue.
// A handle belongs to a context: getContext(m).Queue's handles to m, others to the default
// start method when they were made (in a child: the child's own). Only a process-context
// handle refuses, at put(), shared memory that another process could not map (no addon); a
// thread-context queue is read by threads of this process, which share such memory.
import { encode } from '../codec/codec.js';
import { towardProcesses } from '../shm/crossing.js';
import { getStartMethod, type StartMethod } from '../runtime/start-method.js';
import { ShutDown, errors } from '../errors.js';
import { addressKey } from '../protocol/hub.js';
import { largeBuffer, rawBufferBytes } from '../hub/raw-frames.js';
import { globalSingleton } from '../util/state.js';
import { HubProxy, closedQueue, isAdopting, registerProxyType, wireTimeoutOf, type WaitOptions } from '../hub/proxy.js';
import type { QueueOps } from '../hub/ops.js';

/** A consumer that asks again within this long after an answer counts as fast: it gets batches. */
const FAST_MS = 1;
const MAX_BATCH = 512;

function checkMaxsize(maxsize: unknown): number {
  if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) throw errors.invalidArgType('maxsize must be an integer (0 or less: unbounded)');
  return maxsize;
}

/**
 * Queues this thread knows were shut down (by a handle here, or told by their hub), by hub
 * and object: every handle of one queue sees it, whichever one the hub's word reached.
 */
const shutdowns = globalSingleton('queueShutdowns', () => new Map<string, 'soft' | 'immediate'>());

/** @internal Static key of a queue class bound to one context (getContext(m).Queue). */
export const kQueueContext: unique symbol = Symbol('multiproc.queueContext');

export interface IterOptions<T> {
  /** Iteration ends when an item equal to this (Object.is) arrives. */
  sentinel?: T;
}

/**
 * How many items a handle holds read ahead. Shared with the handle's push handler, which
 * outlives a handle collected with items read ahead and must still report how many it dropped.
 */
interface ReadAheadTally {
  count: number;
}

export class Queue<T = unknown> extends HubProxy<QueueOps> {
  #buffer: Uint8Array[] = [];
  readonly #tally: ReadAheadTally = { count: 0 };
  #lastAnswer = -Infinity;
  #want = 1;
  #closed = false;
  #recallHooked = false;
  #prefetching: Promise<void> | null = null;
  /** This handle sent a put already (later unbounded puts need no answer). */
  #putBefore = false;
  /** Its items may be read by another process: a process-context handle. */
  readonly #toProcesses: boolean;

  constructor(maxsize = 0) {
    const size = isAdopting() ? 0 : checkMaxsize(maxsize);
    super(new.target.queueType, { maxsize: size });
    this.#toProcesses = (new.target[kQueueContext] ?? getStartMethod()) !== 'thread';
  }

  /** @internal The context of this class's handles (getContext(m).Queue), else undefined. */
  static get [kQueueContext](): StartMethod | undefined {
    return undefined;
  }

  /** @internal The hub type this class proxies. */
  static get queueType(): string {
    return 'Queue';
  }

  /** The queue's capacity (0: unbounded). */
  get maxsize(): number {
    return (this.spec as { maxsize: number }).maxsize;
  }

  #check(): void {
    if (this.#closed) throw closedQueue();
  }

  /** Puts `item` (waits for room in a bounded queue; Full when none in time). Throws ERR_NOT_TRANSFERABLE at the call. */
  put(item: T, options?: WaitOptions): Promise<void> {
    this.#check();
    const timeout = wireTimeoutOf(options, 'put()');
    // A process-context queue may be read by another process: shared memory without the addon
    // is refused here rather than failing in the reader.
    // A large Buffer skips the packer: its bin bytes are made with one copy (raw-frames.ts),
    // an unbounded queue's into memory its link reuses (HubLink.notePutBuffer).
    const large = largeBuffer(item);
    const bytes = large ? null : towardProcesses(this.#toProcesses, () => encode(item, 'item'));
    if (this.#shutDown()) return Promise.reject(new ShutDown('the queue was shut down; it takes no more items'));
    this.#hookRecall();
    // A handle's first put is answered: the hub then knows this process and tells it of a
    // shutdown, and a put made after one is refused (a note would be taken as on its way).
    if (this.maxsize <= 0 && this.#putBefore) {
      // Resolves at once, unless the hub link is still connecting or its channel is past its
      // high-water mark (then it waits: backpressure).
      let wait: Promise<void> | null;
      try {
        wait = large ? this.link.notePutBuffer(this.objectId, large) : this.link.notePut(this.objectId, bytes!);
      } catch (e) {
        return Promise.reject(e as Error);
      }
      return wait ?? Promise.resolve();
    }
    this.#putBefore = true;
    return this.call('put', bytes ?? rawBufferBytes(large)!, timeout).then(() => undefined);
  }

  /** Takes the next item (Empty when none arrives in time). */
  get(options?: WaitOptions): Promise<T> {
    this.#check();
    const timeout = wireTimeoutOf(options, 'get()');
    if (this.#buffer.length > 0 && this.#shutDown() === 'immediate') this.#discard();
    if (this.#buffer.length > 0) return this.#fromBuffer();
    // Items read ahead come first: wait for them rather than overtaking them.
    if (this.#prefetching) return this.#prefetching.then(() => this.get(options));
    this.#hookRecall();
    const now = performance.now();
    this.#want = now - this.#lastAnswer < FAST_MS ? Math.min(this.#want * 2, MAX_BATCH) : 1;
    // Read-ahead items are filed as the answer arrives, so a recall right behind it sees them.
    const file = (items: unknown) => {
      const list = items as Uint8Array[];
      for (let i = 1; i < list.length; i++) this.#buffer.push(list[i]!);
      this.#tally.count = this.#buffer.length;
    };
    return this.callWith(file, 'get', timeout, this.#want).then((items) => {
      this.#lastAnswer = performance.now();
      return this.decodeValue<T>((items as Uint8Array[])[0]);
    });
  }

  putNowait(item: T): Promise<void> {
    return this.put(item, { block: false });
  }
  getNowait(): Promise<T> {
    return this.get({ block: false });
  }

  /** Approximate number of items (those prefetched by a consumer still count). */
  qsize(): Promise<number> {
    this.#check();
    return this.call('qsize') as Promise<number>;
  }
  empty(): Promise<boolean> {
    this.#check();
    return this.call('empty') as Promise<boolean>;
  }
  full(): Promise<boolean> {
    this.#check();
    return this.call('full') as Promise<boolean>;
  }

  /**
   * Shuts the queue down for every process (Python 3.13's `Queue.shutdown(immediate)`): later
   * puts reject with ShutDown; gets go on until the queue is empty, then reject with ShutDown.
   * `immediate`: the items left are dropped (they count as done for a JoinableQueue's join())
   * and gets reject at once. Callers blocked in put() or get() are released with ShutDown.
   */
  shutdown(immediate = false): Promise<void> {
    this.#check();
    if (typeof immediate !== 'boolean') throw errors.invalidArgType('shutdown(immediate) takes a boolean: shutdown() or shutdown(true)');
    this.#hookRecall();
    this.#heardShutdown(immediate);
    return this.call('shutdown', immediate).then(() => undefined);
  }

  #shutdownKey(): string {
    return `${addressKey(this.hubTarget.address)}|${this.objectId}`;
  }

  #shutDown(): 'soft' | 'immediate' | null {
    return shutdowns.size === 0 ? null : (shutdowns.get(this.#shutdownKey()) ?? null);
  }

  #heardShutdown(immediate: boolean): void {
    // The hub dropped every item it held; what this handle read ahead goes too (each handle of
    // the queue in this thread hears the word and reports its own).
    if (immediate) this.#discard();
    if (this.#shutDown() === 'immediate') return;
    shutdowns.set(this.#shutdownKey(), immediate ? 'immediate' : 'soft');
  }

  /** Closes this handle only (as in CPython): its later put/get throw ERR_QUEUE_CLOSED. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#giveBack();
  }

  /** Items until `sentinel` arrives (or the queue is shut down and empty): `for await (const x of q.iter({ sentinel: null }))`. */
  async *iter(options: IterOptions<T> = {}): AsyncGenerator<T, void, undefined> {
    const hasSentinel = 'sentinel' in options;
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (e) {
        // A queue shut down and drained ends the iteration.
        if (e instanceof ShutDown) return;
        throw e;
      }
      if (hasSentinel && Object.is(item, options.sentinel)) return;
      yield item;
    }
  }

  #fromBuffer(): Promise<T> {
    const bytes = this.#buffer.shift()!;
    this.#tally.count = this.#buffer.length;
    this.#lastAnswer = performance.now();
    this.link.noteTaken(this.objectId, 1);
    // A fast reader asks for the next batch while it still has half of this one.
    if (this.#want > 1 && !this.#prefetching && this.#buffer.length <= this.#want >> 1) this.#prefetch();
    return this.decodeValue<T>(bytes);
  }

  #prefetch(): void {
    this.#want = Math.min(this.#want * 2, MAX_BATCH);
    const file = (items: unknown) => {
      for (const b of items as Uint8Array[]) this.#buffer.push(b);
      this.#tally.count = this.#buffer.length;
    };
    this.#prefetching = this.callWith(file, 'prefetch', this.#want)
      .then(
        () => {},
        () => {
          /* the next get() reports the hub's state */
        },
      )
      .finally(() => {
        this.#prefetching = null;
      });
  }

  /** Hands the unread read-ahead items back (the hub recalled them, or this handle closed). */
  #giveBack(): void {
    const n = this.#buffer.length;
    if (n === 0) return;
    this.#buffer = [];
    this.#tally.count = 0;
    // The link reports what was handed out before this (its batched notes go first). The count
    // matters after an immediate shutdown: these items are then dropped, and counted done.
    try {
      this.note('return', 0, n);
    } catch {
      /* hub gone */
    }
  }

  /**
   * Drops the items read ahead after an immediate shutdown, telling the hub how many: they
   * count as done for join(), and only this handle knows how many it had not handed out.
   */
  #discard(): void {
    const n = this.#buffer.length;
    if (n === 0) return;
    this.#buffer = [];
    this.#tally.count = 0;
    try {
      this.note('discarded', n);
    } catch {
      /* hub gone: nobody waits on its count */
    }
  }

  #hookRecall(): void {
    if (this.#recallHooked) return;
    this.#recallHooked = true;
    // Weakly: the link lives as long as the thread, and must not keep this queue from being freed.
    // Every handle of this queue in this thread has its own handler (the link keeps a set), so a
    // recall or a shutdown reaches each handle's read-ahead.
    const self = new WeakRef(this);
    const tally = this.#tally;
    const link = this.link,
      id = this.objectId;
    const handler = (op: string, args: unknown[]) => {
      if (op !== 'shutdown' && op !== 'recall') return;
      const queue = self.deref();
      if (queue) {
        if (op === 'shutdown') queue.#heardShutdown(args[0] === true);
        else queue.#giveBack();
        return;
      }
      // Collected with items read ahead: nobody here will hand them out. They go back (a recall),
      // or were dropped (an immediate shutdown); either way this handler's work is done.
      const n = tally.count;
      tally.count = 0;
      link.offPush(id, handler);
      if (n === 0) return;
      if (op === 'recall') link.note(id, 'return', [0, n]);
      else if (args[0] === true) link.note(id, 'discarded', [n]);
    };
    link.onPush(id, handler);
  }
}

export class JoinableQueue<T = unknown> extends Queue<T> {
  static override get queueType(): string {
    return 'JoinableQueue';
  }

  /** One item put earlier is fully processed. Too many calls: ERR_TASK_DONE_TOO_MANY. */
  taskDone(): Promise<void> {
    return this.call('taskDone').then(() => undefined);
  }

  /** Waits until every item put has been marked done. */
  join(): Promise<void> {
    return this.call('join').then(() => undefined);
  }
}

/** An unbounded queue with only put/get/empty/close (CPython's SimpleQueue). */
export class SimpleQueue<T = unknown> extends Queue<T> {
  static override get queueType(): string {
    return 'SimpleQueue';
  }
  constructor() {
    if (!isAdopting() && arguments.length > 0) throw errors.invalidArgValue('SimpleQueue takes no arguments (it is unbounded)', { as: 'RangeError' });
    super(0);
  }
}

registerProxyType('Queue', Queue);
registerProxyType('JoinableQueue', JoinableQueue);
registerProxyType('SimpleQueue', SimpleQueue);
