// Proxies of a manager's dict, list, Namespace, Value and SharedArray, and of objects of
// types registered with a BaseManager. All methods are async: each is one request.
import { encode } from '../codec/codec.js';
import { typeErr } from '../errors.js';
import { setOwn } from '../codec/own.js';
import { HubProxy, adopt, registerProxyType } from '../hub/proxy.js';
import type { ObjectRef } from '../hub/protocol.js';

type Key = string | number | boolean | bigint | null | undefined;

function checkKey(k: unknown): Key {
  const t = typeof k;
  if (k === null || t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || t === 'undefined') return k as Key;
  throw typeErr('ERR_INVALID_ARG_TYPE', 'manager dict keys must be strings, numbers, booleans, bigints, null or undefined (objects have no identity across processes)');
}

const encodeKey = (k: unknown) => encode(checkKey(k), 'key');

/** Flattens [k, v, k, v] encoded pairs from a Map, an object or entries. */
export function encodeEntries(init: unknown): Uint8Array[] {
  if (init === undefined || init === null) return [];
  const entries: Iterable<[unknown, unknown]> = init instanceof Map ? init
    : Array.isArray(init) ? init as [unknown, unknown][]
      : typeof init === 'object' ? Object.entries(init) : (() => { throw typeErr('ERR_INVALID_ARG_TYPE', 'dict(init): pass a Map, an object or [key, value] pairs'); })();
  const out: Uint8Array[] = [];
  for (const [k, v] of entries) out.push(encodeKey(k), encode(v, `value of ${String(k)}`));
  return out;
}

export class DictProxy<K extends Key = Key, V = unknown> extends HubProxy {
  constructor() { super('dict', {}); }
  set(key: K, value: V): Promise<void> { return this.call('set', encodeKey(key), encode(value, 'value')).then(() => undefined); }
  /** The value, or `fallback` (undefined) when the key is missing. */
  async get(key: K, fallback?: V): Promise<V | undefined> {
    const b = await this.call('get', encodeKey(key));
    return b === null ? fallback : this.decodeValue<V>(b);
  }
  has(key: K): Promise<boolean> { return this.call('has', encodeKey(key)) as Promise<boolean>; }
  delete(key: K): Promise<boolean> { return this.call('delete', encodeKey(key)) as Promise<boolean>; }
  async pop(key: K, fallback?: V): Promise<V | undefined> {
    const b = await this.call('pop', encodeKey(key));
    return b === null ? fallback : this.decodeValue<V>(b);
  }
  async setdefault(key: K, value: V): Promise<V> { return this.decodeValue<V>(await this.call('setdefault', encodeKey(key), encode(value, 'value'))); }
  update(entries: Map<K, V> | Record<string, V> | [K, V][]): Promise<void> { return this.call('update', encodeEntries(entries)).then(() => undefined); }
  size(): Promise<number> { return this.call('size') as Promise<number>; }
  clear(): Promise<void> { return this.call('clear').then(() => undefined); }
  /** A copy of the whole dict; keys keep their types. */
  async toMap(): Promise<Map<K, V>> {
    const flat = await this.call('entries') as Uint8Array[];
    const out = new Map<K, V>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(await this.decodeValue<K>(flat[i]), await this.decodeValue<V>(flat[i + 1]));
    return out;
  }
  async keys(): Promise<K[]> { return [...(await this.toMap()).keys()]; }
  async values(): Promise<V[]> { return [...(await this.toMap()).values()]; }
  async entries(): Promise<[K, V][]> { return [...(await this.toMap()).entries()]; }
}

export class ListProxy<T = unknown> extends HubProxy {
  constructor() { super('list', {}); }
  append(value: T): Promise<void> { return this.call('append', encode(value, 'value')).then(() => undefined); }
  extend(values: Iterable<T>): Promise<void> { return this.call('extend', [...values].map((v, i) => encode(v, `values[${i}]`))).then(() => undefined); }
  /** Item at `index` (negative counts from the end); RangeError ERR_OUT_OF_RANGE outside. */
  async get(index: number): Promise<T> { return this.decodeValue<T>(await this.call('get', index)); }
  set(index: number, value: T): Promise<void> { return this.call('set', index, encode(value, 'value')).then(() => undefined); }
  insert(index: number, value: T): Promise<void> { return this.call('insert', index, encode(value, 'value')).then(() => undefined); }
  async pop(index?: number): Promise<T> { return this.decodeValue<T>(await this.call('pop', index ?? null)); }
  length(): Promise<number> { return this.call('length') as Promise<number>; }
  clear(): Promise<void> { return this.call('clear').then(() => undefined); }
  async toArray(): Promise<T[]> {
    const items = await this.call('toArray') as Uint8Array[];
    return Promise.all(items.map((b) => this.decodeValue<T>(b)));
  }
}

export class NamespaceProxy extends HubProxy {
  constructor() { super('Namespace', {}); }
  set(name: string, value: unknown): Promise<void> { return this.call('set', name, encode(value, name)).then(() => undefined); }
  /** The attribute's value; ERR_NO_ATTRIBUTE when it was never set. */
  async get<T = unknown>(name: string): Promise<T> { return this.decodeValue<T>(await this.call('get', name)); }
  has(name: string): Promise<boolean> { return this.call('has', name) as Promise<boolean>; }
  delete(name: string): Promise<boolean> { return this.call('delete', name) as Promise<boolean>; }
  /** The attributes as a plain object; each is an own property (a name '__proto__' too, never a prototype). */
  async toObject(): Promise<Record<string, unknown>> {
    const flat = await this.call('entries') as unknown[];
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) setOwn(out, String(flat[i]), await this.decodeValue(flat[i + 1]));
    return out;
  }
}

/** A manager's Value: one value read and written by request. */
export class ValueProxy<T = number> extends HubProxy {
  constructor() { super('Value', {}); }
  get typecode(): string { return (this.spec as { typecode: string }).typecode; }
  async get(): Promise<T> { return this.decodeValue<T>(await this.call('get', 0)); }
  set(value: T): Promise<void> { return this.call('set', 0, encode(value, 'value')).then(() => undefined); }
}

/** A manager's SharedArray: fixed length, items read and written by request. */
export class ArrayProxy<T = number> extends HubProxy {
  constructor() { super('SharedArray', {}); }
  get typecode(): string { return (this.spec as { typecode: string }).typecode; }
  async get(index: number): Promise<T> { return this.decodeValue<T>(await this.call('get', index)); }
  set(index: number, value: T): Promise<void> { return this.call('set', index, encode(value, 'value')).then(() => undefined); }
  length(): Promise<number> { return this.call('length') as Promise<number>; }
  async toArray(): Promise<T[]> { return Promise.all((await this.call('toArray') as Uint8Array[]).map((b) => this.decodeValue<T>(b))); }
}

/** Async versions of the methods of `T`: what a proxy of a registered type offers. */
export type RemoteMethods<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]:
    T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};
export type RemoteProxy<T> = RemoteMethods<T> & RegisteredProxy;

/** A proxy of an object of a type given to BaseManager.register: its exposed methods, async. */
export class RegisteredProxy extends HubProxy {
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
  get typeid(): string { return (super.spec as { typeid?: string }).typeid ?? ''; }

  /** Calls method `name` on the object in the manager; RemoteError when it is not exposed. */
  async callMethod(name: string, args: unknown[] = []): Promise<unknown> {
    const answer = await super.call('call', name, encode(args, `${name}() arguments`));
    if (Array.isArray(answer)) return adopt(RegisteredProxy, super.hubTarget, answer as ObjectRef);
    return super.decodeValue(answer);
  }
}

registerProxyType('dict', DictProxy);
registerProxyType('list', ListProxy);
registerProxyType('Namespace', NamespaceProxy);
registerProxyType('Value', ValueProxy);
registerProxyType('SharedArray', ArrayProxy);
registerProxyType('*', RegisteredProxy);
