// BaseManager.register: typeids per manager class (a subclass sees its parents' types).
import { errors } from '../errors.js';

export interface RegisterOptions {
  /** Methods a proxy may call (default: the object's public methods, not starting with '_'). */
  exposed?: string[];
  /** Methods whose result is served as a new object of another typeid (a proxy is returned). */
  methodToTypeid?: Record<string, string>;
  /** Add a `typeid(...args)` method to the manager (default true). */
  create?: boolean;
}

export interface Registration {
  typeid: string;
  callable: ((...args: never[]) => unknown) | null;
  exposed: string[] | null;
  methodToTypeid: Record<string, string>;
}

const registries = new WeakMap<Function, Map<string, Registration>>();

export function addRegistration(cls: Function, typeid: string, callable: unknown, options: RegisterOptions): Registration {
  if (typeof typeid !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(typeid)) throw errors.invalidArgValue(`typeid must be an identifier, got ${String(typeid)}`);
  if (callable !== undefined && callable !== null && typeof callable !== 'function')
    throw errors.invalidArgType('register(typeid, callable): callable must be a class or a function');
  if (options.exposed !== undefined && (!Array.isArray(options.exposed) || options.exposed.some((n) => typeof n !== 'string'))) {
    throw errors.invalidArgType('exposed must be an array of method names');
  }
  let own = registries.get(cls);
  if (!own) {
    own = new Map();
    registries.set(cls, own);
  }
  const reg: Registration = { typeid, callable: (callable as Registration['callable']) ?? null, exposed: options.exposed ?? null, methodToTypeid: { ...options.methodToTypeid } };
  own.set(typeid, reg);
  return reg;
}

/** Every registration visible from `cls` (its own win over its parents'). */
export function registrationsOf(cls: Function): Map<string, Registration> {
  const chain: Function[] = [];
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Function | null) chain.unshift(c);
  const out = new Map<string, Registration>();
  for (const c of chain) for (const [k, v] of registries.get(c) ?? []) out.set(k, v);
  return out;
}
