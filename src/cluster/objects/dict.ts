// A cluster Manager's dict: the Redis hash `:h`, whose fields are the codec bytes of the keys
// (so 0.25, 2 and '2' stay different keys and come back with their types) and whose values
// are the codec bytes of the values (classes, Maps, Dates kept).
import { checkDictKey, dictInitEntries, isDictKey, type DictKey } from '../../codec/dict-keys.js';
import { errors } from '../../errors.js';
import { ClusterObject } from './base.js';
import { evalScriptBuffer, run } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { fromBytes, toBytes } from './values.js';

export type { DictKey };

const keyBytes = (k: unknown): Buffer => toBytes(checkDictKey(k), 'key');

function decodeKey(b: unknown): DictKey {
  const k = fromBytes<unknown>(b);
  if (isDictKey(k)) return k;
  throw errors.invalidMessage('a dict key read from Redis is not a primitive');
}

/** Flattens a Map, an object or [key, value] pairs into encoded field/value pairs. */
export function encodeEntries(init: unknown): Buffer[] {
  const out: Buffer[] = [];
  for (const [k, v] of dictInitEntries(init)) out.push(keyBytes(k), toBytes(v, `value of ${String(k)}`));
  return out;
}

const ALL = `return redis.call('HGETALL', KEYS[1])`;
const POP = `local v = redis.call('HGET', KEYS[1], ARGV[1]) if v then redis.call('HDEL', KEYS[1], ARGV[1]) end return v`;
const SETDEFAULT = `redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) return redis.call('HGET', KEYS[1], ARGV[1])`;

export class ClusterDict<K extends DictKey = DictKey, V = unknown> extends ClusterObject {
  protected get kind(): string {
    return 'dict';
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, id?: string) {
    super(link, id, false);
  }
  private get key(): string {
    return `${this.base}:h`;
  }

  // Keys and values are checked and encoded at the call: misuse throws there, not later.
  set(key: K, value: V): Promise<void> {
    const f = keyBytes(key),
      v = toBytes(value, 'value');
    return run(this.link, (c) => c.hset(this.key, f, v)).then(() => undefined);
  }
  get(key: K, fallback?: V): Promise<V | undefined> {
    const f = keyBytes(key);
    return run(this.link, (c) => c.hgetBuffer(this.key, f)).then((v) => (v === null ? fallback : fromBytes<V>(v)));
  }
  has(key: K): Promise<boolean> {
    const f = keyBytes(key);
    return run(this.link, (c) => c.hexists(this.key, f)).then((n) => n === 1);
  }
  delete(key: K): Promise<boolean> {
    const f = keyBytes(key);
    return run(this.link, (c) => c.hdel(this.key, f)).then((n) => n === 1);
  }
  pop(key: K, fallback?: V): Promise<V | undefined> {
    return evalScriptBuffer(this.link, POP, [this.key], [keyBytes(key)]).then((v) => (v === null || v === undefined ? fallback : fromBytes<V>(v)));
  }
  setdefault(key: K, value: V): Promise<V> {
    return evalScriptBuffer(this.link, SETDEFAULT, [this.key], [keyBytes(key), toBytes(value, 'value')]).then((v) => fromBytes<V>(v));
  }
  update(entries: Map<K, V> | Record<string, V> | [K, V][]): Promise<void> {
    const flat = encodeEntries(entries);
    return flat.length === 0 ? Promise.resolve() : run(this.link, (c) => c.hset(this.key, ...flat)).then(() => undefined);
  }
  size(): Promise<number> {
    return run(this.link, (c) => c.hlen(this.key));
  }
  async clear(): Promise<void> {
    await run(this.link, (c) => c.del(this.key));
  }
  async toMap(): Promise<Map<K, V>> {
    const flat = (await evalScriptBuffer(this.link, ALL, [this.key], [])) as Buffer[];
    const out = new Map<K, V>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(decodeKey(flat[i]) as K, fromBytes<V>(flat[i + 1]));
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
}
