// Classes whose instances keep their class across the boundary: registered ones (by name) and
// exported ones (by module reference). Revival never calls a constructor.
import { errors } from '../errors.js';
import { exportRefOf, type ExportRef } from '../functions/reference.js';
import { globalSingleton } from '../util/state.js';

export interface ClassOptions<T> {
  /** Name both sides agree on; defaults to the class name. */
  name?: string;
  /** Turn an instance into transferable state (for `#private` fields). */
  reduce?: (instance: T) => unknown;
  /** Rebuild an instance from that state. */
  revive?: (state: unknown) => T;
}

interface Registered {
  cls: Function;
  name: string;
  reduce?: (v: unknown) => unknown;
  revive?: (s: unknown) => unknown;
}

const byName = globalSingleton('classesByName', () => new Map<string, Registered>());
const byClass = globalSingleton('classesByCtor', () => new Map<Function, Registered>());

/**
 * Makes instances of `cls` transferable (Python's copyreg). Call it at module top level in a
 * module that both sides import, so the receiving side knows the class too.
 */
export function registerClass<T>(cls: abstract new (...args: never[]) => T, options: ClassOptions<T> = {}): void {
  if (typeof cls !== 'function') throw errors.invalidArgType('registerClass expects a class');
  const name = options.name ?? cls.name;
  if (!name) throw errors.invalidArgValue('registerClass: an anonymous class needs options.name');
  const existing = byName.get(name);
  if (existing && existing.cls !== cls) {
    throw errors.classNameTaken(`registerClass: another class is already registered as '${name}'; pass a distinct options.name`);
  }
  const entry: Registered = { cls, name, reduce: options.reduce as Registered['reduce'], revive: options.revive as Registered['revive'] };
  byName.set(name, entry);
  byClass.set(cls, entry);
}

export function registeredByClass(cls: Function): Registered | undefined {
  return byClass.get(cls);
}
export function registeredByName(name: string): Registered | undefined {
  return byName.get(name);
}

/** A class as written in a message's manifest. */
export type ClassRef = { r: string } | ExportRef;

const exportCache = new WeakMap<Function, ExportRef | null>();
/** Exported classes this process has sent, by `url#export`: found again without importing. */
const seen = globalSingleton('classesSeen', () => new Map<string, Function>());
export function seenClass(ref: ExportRef): Function | undefined {
  return seen.get(`${ref.m}#${ref.e}`);
}
/** The export reference of a class, or null when it is not exported anywhere. */
export function classExportRef(cls: Function): ExportRef | null {
  let ref = exportCache.get(cls);
  if (ref === undefined) {
    ref = exportRefOf(cls) ?? null;
    exportCache.set(cls, ref);
    if (ref) seen.set(`${ref.m}#${ref.e}`, cls);
  }
  return ref;
}
