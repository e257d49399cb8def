// What a key of a manager's dict (or an element of its set) may be, for the local manager and the
// cluster's alike: a primitive, since an object has no identity across processes and two copies
// of one would be two keys. Also how a dict's initial contents are read (a Map, an object or
// [key, value] pairs), so both managers accept the same forms with the same errors.
import { errors } from '../errors.js';

/** A key of a manager's dict, an element of its set. */
export type DictKey = string | number | boolean | bigint | null | undefined;

/** Whether `k` can be a dict key (a primitive other than a symbol). */
export function isDictKey(k: unknown): k is DictKey {
  const t = typeof k;
  return k === null || t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || t === 'undefined';
}

/** `k` as a dict key, or ERR_INVALID_ARG_TYPE at the call. */
export function checkDictKey(k: unknown): DictKey {
  if (isDictKey(k)) return k;
  throw errors.invalidArgType('manager dict keys and set elements must be strings, numbers, booleans, bigints, null or undefined (objects have no identity across processes)');
}

/** The [key, value] pairs of a dict's initial contents: a Map, an object or pairs; none for null/undefined. */
export function dictInitEntries(init: unknown): Iterable<[unknown, unknown]> {
  if (init === undefined || init === null) return [];
  if (init instanceof Map) return init as Map<unknown, unknown>;
  if (Array.isArray(init)) return init as [unknown, unknown][];
  if (typeof init === 'object') return Object.entries(init);
  throw errors.invalidArgType('dict(init): pass a Map, an object or [key, value] pairs');
}
