// A cluster Manager's list: the Redis list `:l` of codec bytes. Indexes as locally (negative
// from the end; out of range: ERR_OUT_OF_RANGE); insert and pop at an index are scripts.
import { errors } from '../../errors.js';
import { ClusterObject } from './base.js';
import { evalScript, evalScriptBuffer, run } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { fromBytes, toBytes } from './values.js';

function indexArg(i: unknown): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) throw errors.invalidArgType('list index must be an integer');
  return i;
}

// ARGV: index, value. Inserts before index (clamped, negative from the end).
const INSERT = `
local n = redis.call('LLEN', KEYS[1])
local j = tonumber(ARGV[1])
if j < 0 then j = j + n end
if j < 0 then j = 0 end
if j >= n then return redis.call('RPUSH', KEYS[1], ARGV[2]) end
if j == 0 then return redis.call('LPUSH', KEYS[1], ARGV[2]) end
local rest = redis.call('LRANGE', KEYS[1], j, -1)
redis.call('LTRIM', KEYS[1], 0, j - 1)
redis.call('RPUSH', KEYS[1], ARGV[2], unpack(rest))
return n + 1`;

// ARGV: index, tombstone. Replies {item} or {false, length} when out of range.
const POP_AT = `
local n = redis.call('LLEN', KEYS[1])
local j = tonumber(ARGV[1])
if j < 0 then j = j + n end
if j < 0 or j >= n then return {false, n} end
local v = redis.call('LINDEX', KEYS[1], j)
redis.call('LSET', KEYS[1], j, ARGV[2])
redis.call('LREM', KEYS[1], 1, ARGV[2])
return {v}`;

// ARGV: index, value. Replies -1 when out of range, else 1.
const SET_AT = `
local n = redis.call('LLEN', KEYS[1])
local j = tonumber(ARGV[1])
if j < 0 then j = j + n end
if j < 0 or j >= n then return {-1, n} end
redis.call('LSET', KEYS[1], j, ARGV[2])
return {1, n}`;

const TOMBSTONE = '\u0000multiproc.popped';

export class ClusterList<T = unknown> extends ClusterObject {
  protected get kind(): string {
    return 'list';
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, id?: string) {
    super(link, id, false);
  }
  private get key(): string {
    return `${this.base}:l`;
  }

  append(value: T): Promise<void> {
    const v = toBytes(value, 'value');
    return run(this.link, (c) => c.rpush(this.key, v)).then(() => undefined);
  }
  extend(values: Iterable<T>): Promise<void> {
    const vs = [...values].map((v, i) => toBytes(v, `values[${i}]`));
    return vs.length === 0 ? Promise.resolve() : run(this.link, (c) => c.rpush(this.key, ...vs)).then(() => undefined);
  }
  async get(index: number): Promise<T> {
    const i = indexArg(index);
    const v = await run(this.link, (c) => c.lindexBuffer(this.key, i));
    if (v === null) throw errors.outOfRange(`list index ${i} out of range (length ${await this.length()})`);
    return fromBytes<T>(v);
  }
  set(index: number, value: T): Promise<void> {
    const i = indexArg(index);
    return evalScript(this.link, SET_AT, [this.key], [i, toBytes(value, 'value')]).then((r) => {
      const [ok, n] = r as number[];
      if (Number(ok) < 0) throw errors.outOfRange(`list index ${i} out of range (length ${Number(n)})`);
    });
  }
  insert(index: number, value: T): Promise<void> {
    return evalScript(this.link, INSERT, [this.key], [indexArg(index), toBytes(value, 'value')]).then(() => undefined);
  }
  async pop(index?: number): Promise<T> {
    if (index === undefined) {
      const v = await run(this.link, (c) => c.rpopBuffer(this.key));
      if (v === null) throw errors.outOfRange('pop from an empty list');
      return fromBytes<T>(v);
    }
    const i = indexArg(index);
    const r = (await evalScriptBuffer(this.link, POP_AT, [this.key], [i, TOMBSTONE])) as [Buffer | null, number?];
    if (!r[0]) throw errors.outOfRange(Number(r[1]) === 0 ? 'pop from an empty list' : `list index ${i} out of range (length ${Number(r[1])})`);
    return fromBytes<T>(r[0]);
  }
  length(): Promise<number> {
    return run(this.link, (c) => c.llen(this.key));
  }
  async clear(): Promise<void> {
    await run(this.link, (c) => c.del(this.key));
  }
  async toArray(): Promise<T[]> {
    const all = await run(this.link, (c) => c.lrangeBuffer(this.key, 0, -1));
    return all.map((b) => fromBytes<T>(b));
  }
}
