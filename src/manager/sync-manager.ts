// Manager(): a BaseManager whose server holds dicts, lists, sets, Namespaces, queues, locks,
// events, barriers and values, as CPython's SyncManager does.
import { encode } from '../codec/codec.js';
import { errors } from '../errors.js';
import { toFnRef } from '../functions/reference.js';
import { timeoutArg } from '../hub/proxy.js';
import type { JoinableQueue, Queue } from '../queue/queue.js';
import { RLock, type Lock } from '../sync/lock.js';
import type { BoundedSemaphore, Semaphore } from '../sync/semaphore.js';
import type { Condition } from '../sync/condition.js';
import type { Event } from '../sync/event.js';
import type { Barrier, BarrierOptions } from '../sync/barrier.js';
import { BaseManager, type ManagerOptions } from './base-manager.js';
import type { DictKey } from '../codec/dict-keys.js';
import { encodeEntries, encodeKey, type ArrayProxy, type DictProxy, type ListProxy, type NamespaceProxy, type SetProxy, type ValueProxy } from './proxies.js';

// The typecodes of API.md "Shared memory" (a manager's Value and SharedArray are proxies; the
// shared-memory ones live in src/shm).
import { checkTypecode, zeroOf, type Typecode } from '../shm/typecodes.js';
export type { Typecode };

export class SyncManager extends BaseManager {
  dict<K extends DictKey = DictKey, V = unknown>(init?: Map<K, V> | Record<string, V> | [K, V][]): Promise<DictProxy<K, V>> {
    return this.createBuiltin('dict', { init: encodeEntries(init) });
  }
  list<T = unknown>(init: Iterable<T> = []): Promise<ListProxy<T>> {
    return this.createBuiltin('list', { init: [...init].map((v, i) => encode(v, `init[${i}]`)) });
  }
  /** A set of primitives (Python 3.14's `manager.set()`). */
  set<T extends DictKey = DictKey>(init: Iterable<T> = []): Promise<SetProxy<T>> {
    return this.createBuiltin('set', { init: [...init].map((v) => encodeKey(v)) });
  }
  async Namespace(init: Record<string, unknown> = {}): Promise<NamespaceProxy> {
    const ns = await this.createBuiltin<NamespaceProxy>('Namespace', {});
    for (const [k, v] of Object.entries(init)) await ns.set(k, v);
    return ns;
  }
  Queue<T = unknown>(maxsize = 0): Promise<Queue<T>> {
    return this.createBuiltin('Queue', { maxsize: intArg(maxsize, 'maxsize') });
  }
  JoinableQueue<T = unknown>(maxsize = 0): Promise<JoinableQueue<T>> {
    return this.createBuiltin('JoinableQueue', { maxsize: intArg(maxsize, 'maxsize') });
  }
  Lock(): Promise<Lock> {
    return this.createBuiltin('Lock', {});
  }
  RLock(): Promise<RLock> {
    return this.createBuiltin('RLock', {});
  }
  Semaphore(value = 1): Promise<Semaphore> {
    return this.createBuiltin('Semaphore', { value: nonNegative(value) });
  }
  BoundedSemaphore(value = 1): Promise<BoundedSemaphore> {
    return this.createBuiltin('BoundedSemaphore', { value: nonNegative(value) });
  }
  async Condition(lock?: Lock | RLock): Promise<Condition> {
    const own = lock ?? (await this.RLock());
    return this.createBuiltin('Condition', { lock: own.objectId, lockType: own instanceof RLock ? 'RLock' : 'Lock' });
  }
  Event(): Promise<Event> {
    return this.createBuiltin('Event', {});
  }
  Barrier(parties: number, options: BarrierOptions = {}): Promise<Barrier> {
    if (!Number.isInteger(parties) || parties < 1) throw errors.invalidArgValue('Barrier(parties): parties must be an integer >= 1');
    const ref = options.action ? toFnRef(options.action, 'Barrier action') : undefined;
    return this.createBuiltin<Barrier>('Barrier', { parties, action: !!ref, timeout: timeoutArg(options.timeout, 'Barrier'), ...(ref ? { ref } : {}) }).then((b) =>
      b.useAction(options.action),
    );
  }
  Value<T = number>(typecode: Typecode | string, value?: T): Promise<ValueProxy<T>> {
    const tc = checkTypecode(typecode);
    return this.createBuiltin('Value', { typecode: tc, init: [encode(value ?? zeroOf(tc), 'value')] });
  }
  SharedArray<T = number>(typecode: Typecode | string, sizeOrInit: number | Iterable<T>): Promise<ArrayProxy<T>> {
    const tc = checkTypecode(typecode);
    const items = typeof sizeOrInit === 'number' ? Array.from({ length: intArg(sizeOrInit, 'size') }, () => zeroOf(tc)) : [...sizeOrInit];
    return this.createBuiltin('SharedArray', { typecode: tc, init: items.map((v, i) => encode(v, `init[${i}]`)) });
  }
}

function intArg(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw errors.invalidArgType(`${what} must be an integer`);
  return v;
}
function nonNegative(v: unknown): number {
  const n = intArg(v, 'semaphore value');
  if (n < 0) throw errors.invalidArgValue('semaphore value must be >= 0');
  return n;
}

/** Starts a manager server process and returns the connected manager: `await using m = await Manager()`. */
export async function Manager(options: ManagerOptions = {}): Promise<SyncManager> {
  const m = new SyncManager(options);
  await m.start();
  return m;
}
