// Proxies of a manager's dict, list, set, Namespace, Value and SharedArray, and of objects of
// types registered with a BaseManager. All methods are async: each is one request (async
// iteration reads the list in chunks, the dict and set as one copy).
import { encode } from '../codec/codec.js';
import { checkDictKey, dictInitEntries, type DictKey } from '../codec/dict-keys.js';
import { setOwn } from '../codec/own.js';
import { HubProxy, adopt, registerProxyType } from '../hub/proxy.js';
import type { ObjectRef } from '../protocol/hub.js';
import type { DictOps, ListOps, NamespaceOps, RegisteredOps, SetOps, SlotsOps } from '../hub/ops.js';

type Key = DictKey;

export const encodeKey = (k: unknown): Uint8Array => encode(checkDictKey(k), 'key');

/** Flattens [k, v, k, v] encoded pairs from a Map, an object or entries. */
export function encodeEntries(init: unknown): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [k, v] of dictInitEntries(init)) out.push(encodeKey(k), encode(v, `value of ${String(k)}`));
  return out;
}

export class DictProxy<K extends Key = Key, V = unknown> extends HubProxy<DictOps> {
  constructor() {
    super('dict', {});
  }
  set(key: K, value: V): Promise<void> {
    return this.call('set', encodeKey(key), encode(value, 'value')).then(() => undefined);
  }
  /** The value, or `fallback` (undefined) when the key is missing. */
  async get(key: K, fallback?: V): Promise<V | undefined> {
    const b = await this.call('get', encodeKey(key));
    return b === null ? fallback : this.decodeValue<V>(b);
  }
  has(key: K): Promise<boolean> {
    return this.call('has', encodeKey(key));
  }
  delete(key: K): Promise<boolean> {
    return this.call('delete', encodeKey(key));
  }
  async pop(key: K, fallback?: V): Promise<V | undefined> {
    const b = await this.call('pop', encodeKey(key));
    return b === null ? fallback : this.decodeValue<V>(b);
  }
  async setdefault(key: K, value: V): Promise<V> {
    return this.decodeValue<V>(await this.call('setdefault', encodeKey(key), encode(value, 'value')));
  }
  update(entries: Map<K, V> | Record<string, V> | [K, V][]): Promise<void> {
    return this.call('update', encodeEntries(entries)).then(() => undefined);
  }
  size(): Promise<number> {
    return this.call('size');
  }
  clear(): Promise<void> {
    return this.call('clear').then(() => undefined);
  }
  /** A copy of the whole dict; keys keep their types. */
  async toMap(): Promise<Map<K, V>> {
    const flat = await this.call('entries');
    const out = new Map<K, V>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(await this.decodeValue<K>(flat[i]), await this.decodeValue<V>(flat[i + 1]));
    return out;
  }
  async keys(): Promise<K[]> {
    return [...(await this.toMap()).keys()];
  }
  async values(): Promise<V[]> {
    return [...(await this.toMap()).values()];
  }
  async entries(): Promise<[K, V][]> {
    return [...(await this.toMap()).entries()];
  }
  /** Python's `d.items()`: the same as entries(). */
  items(): Promise<[K, V][]> {
    return this.entries();
  }
  /** Removes and returns the last inserted pair (Python's popitem(), LIFO); RangeError ERR_OUT_OF_RANGE when empty. */
  async popitem(): Promise<[K, V]> {
    const [kb, vb] = await this.call('popitem');
    return [await this.decodeValue<K>(kb), await this.decodeValue<V>(vb)];
  }
  /** `for await (const [key, value] of d)`: the pairs of a copy taken when iteration starts (as a Map iterates). */
  async *[Symbol.asyncIterator](): AsyncGenerator<[K, V], void, undefined> {
    yield* await this.entries();
  }
}

export class ListProxy<T = unknown> extends HubProxy<ListOps> {
  constructor() {
    super('list', {});
  }
  append(value: T): Promise<void> {
    return this.call('append', encode(value, 'value')).then(() => undefined);
  }
  extend(values: Iterable<T>): Promise<void> {
    return this.call(
      'extend',
      [...values].map((v, i) => encode(v, `values[${i}]`)),
    ).then(() => undefined);
  }
  /** Item at `index` (negative counts from the end); RangeError ERR_OUT_OF_RANGE outside. */
  async get(index: number): Promise<T> {
    return this.decodeValue<T>(await this.call('get', index));
  }
  set(index: number, value: T): Promise<void> {
    return this.call('set', index, encode(value, 'value')).then(() => undefined);
  }
  insert(index: number, value: T): Promise<void> {
    return this.call('insert', index, encode(value, 'value')).then(() => undefined);
  }
  async pop(index?: number): Promise<T> {
    return this.decodeValue<T>(await this.call('pop', index ?? null));
  }
  length(): Promise<number> {
    return this.call('length');
  }
  clear(): Promise<void> {
    return this.call('clear').then(() => undefined);
  }
  async toArray(): Promise<T[]> {
    const items = await this.call('toArray');
    return Promise.all(items.map((b) => this.decodeValue<T>(b)));
  }
  /** Python's `l[start:end:step]` (each may be negative or left out): a copy of those items. */
  async slice(start?: number | null, end?: number | null, step?: number | null): Promise<T[]> {
    const items = await this.call('slice', start ?? null, end ?? null, step ?? null);
    return Promise.all(items.map((b) => this.decodeValue<T>(b)));
  }
  /**
   * Array.prototype.splice in one request: removes `deleteCount` items (default: all) from
   * `start` and puts `items` there; resolves with the removed ones. Python's `l[a:b] = items`
   * is `splice(a, b - a, ...items)`, `del l[a:b]` is `splice(a, b - a)`.
   */
  async splice(start: number, deleteCount?: number, ...items: T[]): Promise<T[]> {
    const added = items.map((v, i) => encode(v, `items[${i}]`));
    const removed = await this.call('splice', start, deleteCount ?? null, added);
    return Promise.all(removed.map((b) => this.decodeValue<T>(b)));
  }
  /** How many items equal `value` (compared by their encoded form: equal primitives, identical structures). */
  count(value: T): Promise<number> {
    return this.call('count', encode(value, 'value'));
  }
  /** The first index of `value` in `[start, end)`; RangeError ERR_VALUE_NOT_FOUND when absent (Python's ValueError). */
  index(value: T, start?: number, end?: number): Promise<number> {
    return this.call('index', encode(value, 'value'), start ?? null, end ?? null);
  }
  /** Removes the first item equal to `value`; RangeError ERR_VALUE_NOT_FOUND when absent. */
  remove(value: T): Promise<void> {
    return this.call('remove', encode(value, 'value')).then(() => undefined);
  }
  reverse(): Promise<void> {
    return this.call('reverse').then(() => undefined);
  }
  /**
   * Sorts in the manager, stably: numbers and bigints, or strings (as Python orders them);
   * other items: ERR_INVALID_ARG_TYPE (sort a copy with your own comparison and splice() it back).
   */
  sort(options: { reverse?: boolean } = {}): Promise<void> {
    return this.call('sort', options?.reverse === true).then(() => undefined);
  }
  /** `for await (const x of l)`: reads the list in chunks as it goes, so it sees changes made meanwhile (as Python's iteration by index). */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    const CHUNK = 256;
    for (let at = 0; ; at += CHUNK) {
      const chunk = await this.slice(at, at + CHUNK);
      yield* chunk;
      if (chunk.length < CHUNK) return;
    }
  }
}

/** A manager's set (Python 3.14's `manager.set()`): elements are primitives, as dict keys. */
export class SetProxy<T extends Key = Key> extends HubProxy<SetOps> {
  constructor() {
    super('set', {});
  }
  add(value: T): Promise<void> {
    return this.call('add', encodeKey(value)).then(() => undefined);
  }
  /** Adds every element of `values`. */
  update(values: Iterable<T>): Promise<void> {
    return this.call('update', [...values].map(encodeKey)).then(() => undefined);
  }
  has(value: T): Promise<boolean> {
    return this.call('has', encodeKey(value));
  }
  /** Removes `value` if present; resolves whether it was (Python's discard()). */
  discard(value: T): Promise<boolean> {
    return this.call('discard', encodeKey(value));
  }
  /** Same as discard(), the name a JavaScript Set uses. */
  delete(value: T): Promise<boolean> {
    return this.discard(value);
  }
  /** Removes `value`; RangeError ERR_VALUE_NOT_FOUND when absent (Python's KeyError). */
  remove(value: T): Promise<void> {
    return this.call('remove', encodeKey(value)).then(() => undefined);
  }
  /** Removes and returns an element; RangeError ERR_OUT_OF_RANGE when empty. */
  async pop(): Promise<T> {
    return this.decodeValue<T>(await this.call('pop'));
  }
  size(): Promise<number> {
    return this.call('size');
  }
  clear(): Promise<void> {
    return this.call('clear').then(() => undefined);
  }
  async values(): Promise<T[]> {
    return Promise.all((await this.call('values')).map((b) => this.decodeValue<T>(b)));
  }
  /** A copy as a JavaScript Set. */
  async toSet(): Promise<Set<T>> {
    return new Set(await this.values());
  }
  /** `for await (const x of s)`: the elements of a copy taken when iteration starts. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    yield* await this.values();
  }
}

export class NamespaceProxy extends HubProxy<NamespaceOps> {
  constructor() {
    super('Namespace', {});
  }
  set(name: string, value: unknown): Promise<void> {
    return this.call('set', name, encode(value, name)).then(() => undefined);
  }
  /** The attribute's value; ERR_NO_ATTRIBUTE when it was never set. */
  async get<T = unknown>(name: string): Promise<T> {
    return this.decodeValue<T>(await this.call('get', name));
  }
  has(name: string): Promise<boolean> {
    return this.call('has', name);
  }
  delete(name: string): Promise<boolean> {
    return this.call('delete', name);
  }
  /** The attributes as a plain object; each is an own property (a name '__proto__' too, never a prototype). */
  async toObject(): Promise<Record<string, unknown>> {
    const flat = await this.call('entries');
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) setOwn(out, String(flat[i]), await this.decodeValue(flat[i + 1]));
    return out;
  }
}

/**
 * A manager's Value: one value read and written by request. Python's `v.value` is
 * `await v.get()`, `v.value = x` is `await v.set(x)` (a property cannot wait for the manager).
 */
export class ValueProxy<T = number> extends HubProxy<SlotsOps> {
  constructor() {
    super('Value', {});
  }
  get typecode(): string {
    return (this.spec as { typecode: string }).typecode;
  }
  async get(): Promise<T> {
    return this.decodeValue<T>(await this.call('get', 0));
  }
  set(value: T): Promise<void> {
    return this.call('set', 0, encode(value, 'value')).then(() => undefined);
  }
}

/** A manager's SharedArray: fixed length, items read and written by request. */
export class ArrayProxy<T = number> extends HubProxy<SlotsOps> {
  constructor() {
    super('SharedArray', {});
  }
  get typecode(): string {
    return (this.spec as { typecode: string }).typecode;
  }
  async get(index: number): Promise<T> {
    return this.decodeValue<T>(await this.call('get', index));
  }
  set(index: number, value: T): Promise<void> {
    return this.call('set', index, encode(value, 'value')).then(() => undefined);
  }
  length(): Promise<number> {
    return this.call('length');
  }
  async toArray(): Promise<T[]> {
    return Promise.all((await this.call('toArray')).map((b) => this.decodeValue<T>(b)));
  }
}

/** Async versions of the methods of `T`: what a proxy of a registered type offers. */
export type RemoteMethods<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};
export type RemoteProxy<T> = RemoteMethods<T> & RegisteredProxy;

/** A proxy of an object of a type given to BaseManager.register: its exposed methods, async. */
export class RegisteredProxy extends HubProxy<RegisteredOps> {
  constructor() {
    super('*', {});
    // Exposed methods are own properties, so they win over the proxy's inherited names (call,
    // note, ...); this class reaches its own machinery through super, which they cannot shadow.
    // `then` is never exposed: the proxy would pass for a promise.
    for (const name of (this.spec as { exposed?: string[] }).exposed ?? []) {
      if (name === 'then' || name === 'callMethod' || name === 'constructor') continue;
      Object.defineProperty(this, name, { value: (...args: unknown[]) => this.callMethod(name, args), enumerable: false, configurable: true });
    }
  }

  /** The typeid it was registered under. */
  get typeid(): string {
    return (super.spec as { typeid?: string }).typeid ?? '';
  }

  /** Calls method `name` on the object in the manager; RemoteError when it is not exposed. */
  async callMethod(name: string, args: unknown[] = []): Promise<unknown> {
    const answer = await super.call('call', name, encode(args, `${name}() arguments`));
    if (Array.isArray(answer)) return adopt(RegisteredProxy, super.hubTarget, answer as ObjectRef);
    return super.decodeValue(answer);
  }
}

registerProxyType('dict', DictProxy);
registerProxyType('list', ListProxy);
registerProxyType('set', SetProxy);
registerProxyType('Namespace', NamespaceProxy);
registerProxyType('Value', ValueProxy);
registerProxyType('SharedArray', ArrayProxy);
registerProxyType('*', RegisteredProxy);
