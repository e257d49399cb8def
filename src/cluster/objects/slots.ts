// A cluster Manager's Value (the key `:v`) and SharedArray (the list `:a`, fixed length): codec
// bytes, as a local manager keeps them (typecodes are checked, values are not converted).
import { errors } from '../../errors.js';
import { checkTypecode, type Typecode } from '../../shm/typecodes.js';
import { ClusterObject } from './base.js';
import { evalScript, run } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { fromBytes, toBytes } from './values.js';

export class ClusterValue<T = number> extends ClusterObject {
  readonly typecode: Typecode;
  protected get kind(): string {
    return 'Value';
  }
  protected override params(): Record<string, unknown> {
    return { typecode: this.typecode };
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, typecode: unknown, id?: string) {
    const tc = checkTypecode(typecode);
    super(link, id, false);
    this.typecode = tc;
  }
  /** @internal */ get key(): string {
    return `${this.base}:v`;
  }
  async get(): Promise<T> {
    const v = await run(this.link, (c) => c.getBuffer(this.key));
    if (v === null) throw errors.outOfRange('this Value has no value in Redis (its manager was shut down, or Redis lost it)');
    return fromBytes<T>(v);
  }
  set(value: T): Promise<void> {
    const b = toBytes(value, 'value');
    return run(this.link, (c) => c.set(this.key, b)).then(() => undefined);
  }
}

// ARGV: index, value, length. Replies -1 when out of range.
const SET_AT = `
local j = tonumber(ARGV[1])
local n = tonumber(ARGV[3])
if j < 0 then j = j + n end
if j < 0 or j >= n or j >= redis.call('LLEN', KEYS[1]) then return -1 end
redis.call('LSET', KEYS[1], j, ARGV[2])
return 1`;

export class ClusterArray<T = number> extends ClusterObject {
  readonly typecode: Typecode;
  readonly #length: number;
  protected get kind(): string {
    return 'SharedArray';
  }
  protected override params(): Record<string, unknown> {
    return { typecode: this.typecode, length: this.#length };
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, typecode: unknown, length: number, id?: string) {
    const tc = checkTypecode(typecode);
    if (!Number.isInteger(length) || length < 0) throw errors.invalidArgValue('SharedArray size must be an integer >= 0');
    super(link, id, false);
    this.typecode = tc;
    this.#length = length;
  }
  /** @internal */ get key(): string {
    return `${this.base}:a`;
  }
  #index(i: unknown): number {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw errors.invalidArgType('index must be an integer');
    const j = i < 0 ? i + this.#length : i;
    if (j < 0 || j >= this.#length) throw errors.outOfRange(`index ${i} out of range (length ${this.#length})`);
    return j;
  }
  get(index: number): Promise<T> {
    const j = this.#index(index);
    return run(this.link, (c) => c.lindexBuffer(this.key, j)).then((v) => {
      if (v === null) throw errors.outOfRange('this SharedArray has no items in Redis (its manager was shut down, or Redis lost it)');
      return fromBytes<T>(v);
    });
  }
  set(index: number, value: T): Promise<void> {
    const j = this.#index(index);
    return evalScript(this.link, SET_AT, [this.key], [j, toBytes(value, 'value'), this.#length]).then((r) => {
      if (r === -1) throw errors.outOfRange('this SharedArray has no items in Redis (its manager was shut down, or Redis lost it)');
    });
  }
  async length(): Promise<number> {
    return this.#length;
  }
  async toArray(): Promise<T[]> {
    const all = await run(this.link, (c) => c.lrangeBuffer(this.key, 0, -1));
    return all.map((b) => fromBytes<T>(b));
  }
}
