// `await cluster.Manager()`: dicts, lists and Namespaces stored in Redis (plus the cluster
// objects, made through it). Everything it makes has an id starting with the manager's id,
// so shutdown() (or the end of an `await using` block, or the context closing) deletes all
// of its keys with one SCAN, including those of objects its references made elsewhere.
import { newObjectId } from './base.js';
import { run } from './call.js';
import { deleteKeysUnder } from './cleanup.js';
import type { ClusterLinkImpl } from './connect.js';
import { ClusterDict, type DictKey, encodeEntries } from './dict.js';
import { ClusterList } from './list.js';
import { ClusterNamespace } from './namespace.js';
import { ClusterQueue, ClusterJoinableQueue } from './queue.js';
import { ClusterLock, ClusterRLock, type ClusterLockBase } from './lock.js';
import { ClusterSemaphore, ClusterBoundedSemaphore } from './semaphore.js';
import { ClusterCondition } from './condition.js';
import { ClusterEvent } from './event.js';
import { ClusterBarrier, type ClusterBarrierOptions } from './barrier.js';
import { errors } from '../../errors.js';
import { toBytes } from './values.js';
import { ClusterArray, ClusterValue } from './slots.js';
import { checkTypecode, zeroOf } from '../../shm/typecodes.js';

export class ClusterManager implements AsyncDisposable {
  readonly id = newObjectId();
  readonly #link: ClusterLinkImpl;
  #shutdown = false;

  /** @internal */
  constructor(link: ClusterLinkImpl) {
    this.#link = link;
    link.own(this.prefix);
  }

  /** Every key this manager's objects use starts with this. */
  get prefix(): string {
    return `${this.#link.name}:obj:${this.id}.`;
  }

  #next(): string {
    if (this.#shutdown) throw errors.managerShutdown('this cluster Manager was shut down; make a new one with await cluster.Manager()');
    return `${this.id}.${newObjectId()}`;
  }

  async dict<K extends DictKey = DictKey, V = unknown>(init?: Map<K, V> | Record<string, V> | [K, V][]): Promise<ClusterDict<K, V>> {
    const flat = encodeEntries(init);
    const d = new ClusterDict<K, V>(this.#link, this.#next());
    if (flat.length > 0) await run(this.#link, (c) => c.hset(`${d.base}:h`, ...flat));
    return d;
  }

  async list<T = unknown>(init: Iterable<T> = []): Promise<ClusterList<T>> {
    const items = [...init].map((v, i) => toBytes(v, `init[${i}]`));
    const l = new ClusterList<T>(this.#link, this.#next());
    if (items.length > 0) await run(this.#link, (c) => c.rpush(`${l.base}:l`, ...items));
    return l;
  }

  async Namespace(init: Record<string, unknown> = {}): Promise<ClusterNamespace> {
    const ns = new ClusterNamespace(this.#link, this.#next());
    for (const [k, v] of Object.entries(init)) await ns.set(k, v);
    return ns;
  }

  async Queue<T = unknown>(maxsize = 0): Promise<ClusterQueue<T>> {
    return new ClusterQueue<T>(this.#link, maxsize, this.#next());
  }
  async JoinableQueue<T = unknown>(maxsize = 0): Promise<ClusterJoinableQueue<T>> {
    return new ClusterJoinableQueue<T>(this.#link, maxsize, this.#next());
  }
  async Lock(): Promise<ClusterLock> {
    return new ClusterLock(this.#link, this.#next());
  }
  async RLock(): Promise<ClusterRLock> {
    return new ClusterRLock(this.#link, this.#next());
  }
  async Semaphore(value = 1): Promise<ClusterSemaphore> {
    return new ClusterSemaphore(this.#link, value, this.#next());
  }
  async BoundedSemaphore(value = 1): Promise<ClusterBoundedSemaphore> {
    return new ClusterBoundedSemaphore(this.#link, value, this.#next());
  }
  async Condition(lock?: ClusterLockBase): Promise<ClusterCondition> {
    return new ClusterCondition(this.#link, lock ?? new ClusterRLock(this.#link, this.#next()), this.#next());
  }
  async Event(): Promise<ClusterEvent> {
    return new ClusterEvent(this.#link, this.#next());
  }
  async Barrier(parties: number, options: ClusterBarrierOptions = {}): Promise<ClusterBarrier> {
    return new ClusterBarrier(this.#link, parties, options, this.#next());
  }

  /** A value of `typecode` (CPython's Manager().Value); starts as `value`, or the typecode's zero. */
  async Value<T = number>(typecode: string, value?: T): Promise<ClusterValue<T>> {
    const tc = checkTypecode(typecode);
    const v = new ClusterValue<T>(this.#link, tc, this.#next());
    await v.set(value ?? (zeroOf(tc) as T));
    return v;
  }

  /** A fixed-length array of `typecode`: `size` zeros, or the given items. */
  async SharedArray<T = number>(typecode: string, sizeOrInit: number | Iterable<T>): Promise<ClusterArray<T>> {
    const tc = checkTypecode(typecode);
    if (typeof sizeOrInit === 'number' && (!Number.isInteger(sizeOrInit) || sizeOrInit < 0)) {
      throw errors.invalidArgValue('SharedArray size must be an integer >= 0');
    }
    const items = typeof sizeOrInit === 'number' ? Array.from({ length: sizeOrInit }, () => zeroOf(tc)) : [...sizeOrInit];
    const bytes = items.map((x, i) => toBytes(x, `init[${i}]`));
    const a = new ClusterArray<T>(this.#link, tc, bytes.length, this.#next());
    if (bytes.length > 0) await run(this.#link, (c) => c.rpush(a.key, ...bytes));
    return a;
  }

  /** Deletes every key of every object this manager made; later calls to make one throw. */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    await deleteKeysUnder(this.#link, this.prefix);
    this.#link.disown(this.prefix);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

/** Makes a manager once Redis answers (ERR_CLUSTER_UNAVAILABLE within connectTimeout otherwise). */
export async function createManager(link: ClusterLinkImpl): Promise<ClusterManager> {
  await run(link, (c) => c.ping());
  return new ClusterManager(link);
}
