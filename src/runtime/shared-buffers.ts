// SharedArrayBuffers of named shared memory this thread knows. A thread's channel to another
// thread hands over the ones the other side has not seen yet, with the next message, so a
// reference decoded there finds the same memory without the native addon.
import { globalSingleton } from './state.js';

export const sharedBuffers = globalSingleton('sharedBuffers', () => new Map<string, SharedArrayBuffer>());

/** Buffers `seen` (per peer) has not been given yet; marks them given. */
export function buffersNotSent(seen: Set<string>): [string, SharedArrayBuffer][] | null {
  if (seen.size === sharedBuffers.size) return null;
  let out: [string, SharedArrayBuffer][] | null = null;
  for (const [name, sab] of sharedBuffers) {
    if (seen.has(name)) continue;
    seen.add(name);
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
