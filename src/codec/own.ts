// Turning keys that came from another process into properties. `o[key] = v` with the key
// '__proto__' would set the object's prototype (a peer could then make `o.isAdmin` read true
// without any own key); these define own data properties instead, whatever the key.

/** Sets `key` on `o` as an own, enumerable, writable data property. */
export function setOwn(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Copies the own enumerable properties of `from` onto `to` as data properties (a safe Object.assign). */
export function assignOwn<T extends object>(to: T, from: object): T {
  for (const key of Object.keys(from)) setOwn(to, key, (from as Record<string, unknown>)[key]);
  return to;
}
