// SharedArrayBuffers of named shared memory this thread knows. A thread's channel to another
// thread hands over the ones the other side has not seen yet, with the next message, so a
// reference decoded there finds the same memory without the native addon.
import { globalSingleton } from './state.js';

/** A Map that counts additions, so a channel can tell cheaply whether anything is new. */
class BufferRegistry extends Map<string, SharedArrayBuffer> {
  added = 0;
  override set(name: string, sab: SharedArrayBuffer): this {
    if (this.get(name) !== sab) this.added++;
    return super.set(name, sab);
  }
}

export const sharedBuffers = globalSingleton('sharedBuffers', () => new BufferRegistry());

/** What one peer has been given: the names, and the registry's addition count when last checked. */
export interface Given {
  names: Set<string>;
  seen: number;
}

/** Buffers the peer has not been given yet; marks them given. */
export function buffersNotSent(given: Given): [string, SharedArrayBuffer][] | null {
  if (given.seen === sharedBuffers.added) return null;
  given.seen = sharedBuffers.added;
  let out: [string, SharedArrayBuffer][] | null = null;
  for (const [name, sab] of sharedBuffers) {
    if (given.names.has(name)) continue;
    given.names.add(name);
    (out ??= []).push([name, sab]);
  }
  return out;
}

export function adoptBuffers(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const entry of list) {
    if (Array.isArray(entry) && typeof entry[0] === 'string' && entry[1] instanceof SharedArrayBuffer && !sharedBuffers.has(entry[0])) {
      sharedBuffers.set(entry[0], entry[1]);
    }
  }
}
