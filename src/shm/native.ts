// Loads the native addon (native/multiproc.cc) once per thread. Without it (another OS, a
// failed build) the process context cannot share memory, and says so with how to fix it;
// the thread context does not need it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { misuse } from '../errors.js';
import { globalSingleton } from '../runtime/state.js';

export interface Addon {
  /** Maps the named POSIX segment (creating it with `size` bytes when `create`). */
  open(name: string, size: number, create: boolean, exclusive: boolean): SharedArrayBuffer;
  unlink(name: string): void;
  /** 0 woken, 1 the value differed, 2 timed out. Blocks this thread. */
  wait(sab: SharedArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): 0 | 1 | 2;
  wake(sab: SharedArrayBuffer, byteOffset: number, count: number): number;
  setDispatcher(fn: (ids: number[], results: number[]) => void): void;
  waitAsync(sab: SharedArrayBuffer, byteOffset: number, expected: number, timeoutMs: number, id: number): void;
  setPdeathsig(signal: number): number;
}

const state = globalSingleton('nativeAddon', () => ({ loaded: false, addon: null as Addon | null, error: '' }));

function candidates(): string[] {
  // dist/esm/<bundle>.js, dist/esm/shm/native.js (tsc output) and src/shm/native.ts all reach the package root.
  return ['../../build/Release/multiproc.node', '../../../build/Release/multiproc.node']
    .map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
}

/** The addon, or null when it cannot load here. */
export function nativeAddon(): Addon | null {
  if (state.loaded) return state.addon;
  state.loaded = true;
  if (process.platform !== 'linux') { state.error = `shared memory between processes needs Linux (this is ${process.platform})`; return null; }
  // An opt-out (a sandbox that forbids /dev/shm, or to try the fallback): MULTIPROC_NATIVE=0.
  if (process.env['MULTIPROC_NATIVE'] === '0') { state.error = 'the native addon is switched off (MULTIPROC_NATIVE=0)'; return null; }
  const file = candidates().find((f) => existsSync(f));
  if (!file) { state.error = 'the native addon was not built'; return null; }
  try {
    state.addon = createRequire(import.meta.url)(file) as Addon;
  } catch (e) {
    state.error = `the native addon did not load (${(e as Error).message})`;
    // No file descriptor to open it with just now (EMFILE, ENFILE): try again next time
    // rather than going without shared memory for the rest of the program.
    if (/too many open files/i.test((e as Error).message)) state.loaded = false;
  }
  return state.addon;
}

/** The addon, or ERR_SHARED_MEMORY_UNAVAILABLE saying why and what to do. */
export function requireAddon(what: string): Addon {
  const addon = nativeAddon();
  if (addon) return addon;
  throw misuse('ERR_SHARED_MEMORY_UNAVAILABLE',
    `${what} needs shared memory between processes, which is unavailable: ${state.error}. ` +
    (process.env['MULTIPROC_NATIVE'] === '0' ? 'Unset MULTIPROC_NATIVE' : 'Rebuild it with `npm rebuild multiproc` (needs python3, make and a C++ compiler)') +
    ', or use the thread context (getContext(\'thread\')), which needs no addon');
}

/** The addon's async futex wait as a promise: 0 woken (or the value changed), 2 timed out. */
export function futexWaitAsync(addon: Addon, sab: SharedArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): Promise<number> {
  const waits = asyncWaits;
  if (!waits.ready) {
    waits.ready = true;
    addon.setDispatcher((ids, results) => {
      for (let i = 0; i < ids.length; i++) {
        const done = waits.pending.get(ids[i]!);
        waits.pending.delete(ids[i]!);
        done?.(results[i]!);
      }
    });
  }
  const id = ++waits.counter;
  return new Promise((resolve) => {
    waits.pending.set(id, resolve);
    addon.waitAsync(sab, byteOffset, expected, timeoutMs, id);
  });
}

const asyncWaits = globalSingleton('futexAsyncWaits', () => ({ ready: false, counter: 0, pending: new Map<number, (r: number) => void>() }));
