// A cluster Manager's Namespace: the Redis hash `:ns`, attribute name -> codec bytes.
import { errors } from '../../errors.js';
import { ClusterObject } from './base.js';
import { evalScriptBuffer, run } from './call.js';
import type { ClusterLinkImpl } from './connect.js';
import { fromBytes, toBytes } from './values.js';

function nameArg(name: unknown): string {
  if (typeof name !== 'string') throw errors.invalidArgType('Namespace attribute names are strings');
  return name;
}

export class ClusterNamespace extends ClusterObject {
  protected get kind(): string {
    return 'Namespace';
  }
  /** @internal */
  constructor(link: ClusterLinkImpl, id?: string) {
    super(link, id, false);
  }
  private get key(): string {
    return `${this.base}:ns`;
  }

  set(name: string, value: unknown): Promise<void> {
    const n = nameArg(name),
      v = toBytes(value, n);
    return run(this.link, (c) => c.hset(this.key, n, v)).then(() => undefined);
  }
  /** The attribute's value; ERR_NO_ATTRIBUTE when it was never set. */
  async get<T = unknown>(name: string): Promise<T> {
    const n = nameArg(name);
    const v = await run(this.link, (c) => c.hgetBuffer(this.key, n));
    if (v === null) throw errors.noAttribute(`Namespace has no attribute '${n}'; set it first`);
    return fromBytes<T>(v);
  }
  async has(name: string): Promise<boolean> {
    const n = nameArg(name);
    return (await run(this.link, (c) => c.hexists(this.key, n))) === 1;
  }
  async delete(name: string): Promise<boolean> {
    const n = nameArg(name);
    return (await run(this.link, (c) => c.hdel(this.key, n))) === 1;
  }
  async toObject(): Promise<Record<string, unknown>> {
    const flat = (await evalScriptBuffer(this.link, `return redis.call('HGETALL', KEYS[1])`, [this.key], [])) as Buffer[];
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const k = flat[i]!.toString('utf8');
      if (k === '__proto__') continue;
      out[k] = fromBytes(flat[i + 1]);
    }
    return out;
  }
}
