// An instance of a type given to BaseManager.register, living in the manager's server. Peers
// may call only its exposed methods; arguments are decoded without importing anything.
import { decode, encode } from '../../codec/codec.js';
import { errors } from '../../errors.js';
import type { HubObject, Peer } from '../hub-object.js';
import type { OpCall, RegisteredOps } from '../ops.js';
import type { ObjectRef } from '../../protocol/hub.js';

export interface TypeEntry {
  callable: ((...args: unknown[]) => unknown) | null;
  exposed: string[] | null;
  methodToTypeid: Record<string, string>;
}

/** Public methods of an instance (CPython's default `exposed`): functions not starting with '_'. */
export function publicMethods(obj: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (k === 'constructor' || k.startsWith('_')) continue;
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (d && typeof d.value === 'function') names.add(k);
    }
  }
  return [...names];
}

/** Calls a class or a factory function. */
export function construct(callable: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(callable));
  return isClass ? Reflect.construct(callable, args) : callable(...args);
}

export class RegisteredObject implements HubObject {
  readonly exposed: string[];

  constructor(
    readonly type: string,
    readonly instance: unknown,
    entry: TypeEntry,
    private readonly wrap: (typeid: string, value: unknown) => ObjectRef,
    /** Where its callers' messages come from: this hub (references back to it may omit the key). */
    private readonly source: () => unknown = () => undefined,
  ) {
    this.exposed = entry.exposed ?? (instance && typeof instance === 'object' ? publicMethods(instance) : []);
    this.methodToTypeid = entry.methodToTypeid;
  }

  private readonly methodToTypeid: Record<string, string>;

  call(_peer: Peer, ...[op, args, reply]: OpCall<RegisteredOps>): void {
    // A peer may send any op and any arguments: both are checked.
    if (op !== 'call') throw errors.unknownOperation(`a ${this.type} proxy only calls methods`, { as: 'TypeError' });
    const [name, argBytes] = args as [unknown, unknown];
    if (typeof name !== 'string' || !(argBytes instanceof Uint8Array)) throw errors.invalidMessage('malformed method call');
    if (!this.exposed.includes(name)) {
      throw errors.methodNotExposed(`method '${name}' of ${this.type} is not exposed; list it in register(..., { exposed })`);
    }
    const target = this.instance as Record<string, unknown>;
    const fn = target[name];
    if (typeof fn !== 'function') throw errors.methodNotExposed(`${this.type} has no method '${name}'`);
    void (async () => {
      const decoded = await decode(argBytes, { allowModules: false, source: this.source() });
      if (!Array.isArray(decoded)) throw errors.invalidMessage('method arguments must be an array');
      const result = await (fn as (...a: unknown[]) => unknown).apply(target, decoded);
      const typeid = this.methodToTypeid[name];
      reply.ok(typeid ? this.wrap(typeid, result) : encode(result, `result of ${name}()`));
    })().catch((e: unknown) => reply.fail(e instanceof Error ? e : new Error(String(e))));
  }

  peerGone(): void {}
}
