// Loads the native addon (native/multiproc.cc) once per thread. Without it (another OS, a
// failed build) the process context cannot share memory, and says so with how to fix it;
// the thread context does not need it.
//
// Which binary: our own small loader rather than node-gyp-build, because the addon uses V8's
// API (one binary per Node ABI, not N-API) and a binary must also match the sources it was
// built from (a prebuild from older sources is refused, see docs/design.md, "Prebuilt addon").
// In order: MULTIPROC_ADDON (a test hook, not a setting: an absolute path to a binary, which the
// other-Node test runner compiles; a relative one is ignored, so it never resolves against the
// current directory), then build/Release (compiled here; its multiproc.json records ABI and
// source hash), then prebuilds/<platform>-<arch>/multiproc.abi<N>.node (prebuilds/source.json
// records the hash). The hash is sha256 over binding.gyp and native/* (scripts/addon.mjs makes
// the same one); when the sources are not there to hash, no binary can be verified and none loads.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '../errors.js';

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

const state = { loaded: false, addon: null as Addon | null, error: '', file: '', warned: false, verified: '' };

/**
 * A child process: the parent checked this file against the sources already (runtime/spawn.ts),
 * so the child loads it without hashing the sources again at every start.
 */
export function useVerifiedAddon(file: string): void {
  state.verified = file;
}

/** The package root: two levels up from the bundle (dist/esm/<bundle>.js) and from src/native/addon.ts. */
function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** sha256 of the addon's sources as shipped (null when they are not there to compare). */
export function sourceHash(root = packageRoot()): string | null {
  try {
    const files = ['binding.gyp', ...readdirSync(`${root}native`).sort().map((f) => `native/${f}`)];
    const h = createHash('sha256');
    for (const f of files) h.update(`${f}\0`).update(readFileSync(`${root}${f}`)).update('\0');
    return h.digest('hex');
  } catch {
    return null;
  }
}

function readJson(file: string): Record<string, unknown> | null {
  try { return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>; } catch { return null; }
}

/** Addon files worth trying here, best first, and why others were passed over. */
export function addonCandidates(): { files: string[]; skipped: string[] } {
  if (state.verified) return { files: [state.verified], skipped: [] };
  const explicit = process.env['MULTIPROC_ADDON'];
  if (explicit && isAbsolute(explicit)) return { files: [explicit], skipped: [] };
  const root = packageRoot();
  const abi = process.versions.modules;
  const hash = sourceHash(root);
  const files: string[] = [], skipped: string[] = [];
  if (explicit) skipped.push(`MULTIPROC_ADDON is not an absolute path (${explicit}), ignored`);
  // Nothing to compare a binary with: none is trusted (it could be from any sources).
  if (hash === null) return { files, skipped: [...skipped, 'the addon sources (binding.gyp, native/) are missing, so no binary can be verified'] };
  const built = `${root}build/Release/multiproc.node`;
  if (existsSync(built)) {
    const record = readJson(`${root}build/Release/multiproc.json`);
    if (record && record['abi'] === abi && record['hash'] === hash) files.push(built);
    else skipped.push(`build/Release was built ${record ? `for ABI ${String(record['abi'])} from ${record['hash'] === hash ? 'these' : 'other'} sources` : 'without a record'}`);
  }
  const prebuilt = `${root}prebuilds/${process.platform}-${process.arch}/multiproc.abi${abi}.node`;
  if (existsSync(prebuilt)) {
    const record = readJson(`${root}prebuilds/source.json`);
    if (record?.['hash'] === hash) files.push(prebuilt);
    else skipped.push('the prebuilt addon was made from other sources than native/ (run `npm run prebuild`)');
  } else {
    skipped.push(`no prebuilt addon for ${process.platform}-${process.arch} and Node ABI ${abi} (Node ${process.versions.node})`);
  }
  return { files, skipped };
}

/** The addon, or null when it cannot load here. */
export function nativeAddon(): Addon | null {
  if (state.loaded) return state.addon;
  state.loaded = true;
  if (process.platform !== 'linux') { state.error = `shared memory between processes needs Linux (this is ${process.platform})`; return null; }
  // An opt-out (a sandbox that forbids /dev/shm, or to try the fallback): MULTIPROC_NATIVE=0.
  if (process.env['MULTIPROC_NATIVE'] === '0') { state.error = 'the native addon is switched off (MULTIPROC_NATIVE=0)'; return null; }
  const { files, skipped } = addonCandidates();
  const failures: string[] = [];
  for (const file of files) {
    try {
      state.addon = createRequire(import.meta.url)(file) as Addon;
      state.file = file;
      return state.addon;
    } catch (e) {
      failures.push(`${file} did not load (${(e as Error).message.split('\n')[0]})`);
      // No file descriptor to open it with just now (EMFILE, ENFILE): try again next time
      // rather than going without shared memory for the rest of the program.
      if (/too many open files/i.test((e as Error).message)) state.loaded = false;
    }
  }
  state.error = `no native addon fits: ${[...skipped, ...failures].join('; ') || 'none was built'}`;
  return null;
}

/** The addon file in use ('' when none). */
export function addonFile(): string { nativeAddon(); return state.file; }

/** Why the addon is unavailable ('' when it loaded or was switched off on purpose). */
export function addonProblem(): string {
  if (nativeAddon() || process.env['MULTIPROC_NATIVE'] === '0') return '';
  return state.error;
}

/**
 * Once per process, at the first use of shared memory without the addon (when it was not
 * switched off on purpose): a warning saying why, so a failed install is not silent.
 */
export function warnOnceWithoutAddon(): void {
  const problem = addonProblem();
  if (!problem || state.warned) return;
  state.warned = true;
  process.emitWarning(`multiproc: process-context shared memory is unavailable: ${problem}. ${fixHint()}`, { code: 'MULTIPROC_NO_ADDON' });
}

function fixHint(): string {
  return process.env['MULTIPROC_NATIVE'] === '0' ? 'Unset MULTIPROC_NATIVE'
    : process.platform !== 'linux' ? 'Shared memory between processes works on Linux'
    : 'Rebuild it with `npm rebuild multiproc` (needs python3, make and a C++ compiler)';
}

/** The addon, or ERR_SHARED_MEMORY_UNAVAILABLE saying why and what to do. */
export function requireAddon(what: string): Addon {
  const addon = nativeAddon();
  if (addon) return addon;
  throw errors.sharedMemoryUnavailable(
    `${what} needs shared memory between processes, which is unavailable: ${state.error}. ` +
    fixHint() +
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

const asyncWaits = { ready: false, counter: 0, pending: new Map<number, (r: number) => void>() };
