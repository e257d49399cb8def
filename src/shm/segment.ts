// Named blocks of shared memory. In the process context they are POSIX segments mapped by
// the addon (any process can attach by name); every SharedArrayBuffer a thread holds is also
// kept here by name, so a thread that receives a reference finds the same memory (threads
// need no addon: the parent hands its buffers to its worker threads, see runtime/spawn.ts).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { errors } from '../errors.js';
import { sharedBuffers } from '../util/shared-buffers.js';
import { nativeAddon, requireAddon, warnOnceWithoutAddon } from '../native/addon.js';
import { trackSegment, untrackSegment } from './tracker.js';

export interface Segment {
  /** The name without the leading '/', as CPython shows it. */
  readonly name: string;
  readonly sab: SharedArrayBuffer;
  readonly size: number;
}

/** Buffers this thread knows, by name (filled by create/attach and by other threads' channels). */
export const knownBuffers = sharedBuffers;

/** NAME_MAX: the longest file name (in bytes) /dev/shm takes, for the part after the leading '/'. */
const NAME_MAX = 255;

/**
 * The bare name (no leading '/'), checked as CPython's shm_open() wrapper would refuse it: a
 * NUL would cut the name short in C and open another segment than `.name` says, a '/' after
 * the first names a directory, and longer than NAME_MAX bytes the kernel refuses. A line
 * break is refused too (CPython accepts it): the tracker reads one name a line.
 */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw errors.invalidArgType('a shared memory name must be a non-empty string');
  const bare = name.startsWith('/') ? name.slice(1) : name;
  const invalid = (why: string) => errors.invalidArgValue(`invalid shared memory name ${JSON.stringify(name)}: ${why}`);
  if (bare.length === 0) throw invalid("it needs at least one character after the leading '/'");
  if (bare.includes('\0')) throw invalid('it contains a NUL character (\\0); pick a name without one');
  if (bare.includes('/')) throw invalid("only a leading '/' is allowed; pick a name without '/' inside");
  // A line break would split the name in the resource tracker's one-name-a-line protocol (tracker.ts).
  if (bare.includes('\n')) throw invalid('it contains a line break; pick a name without one');
  if (bare === '.' || bare === '..') throw invalid("'.' and '..' name directories, not segments");
  if (Buffer.byteLength(bare, 'utf8') > NAME_MAX) throw invalid(`longer than ${NAME_MAX} bytes (NAME_MAX); pick a shorter name`);
  return bare;
}

/** A fresh name, as CPython's (psm_ + random hex). */
export function freshName(): string {
  return `psm_${randomBytes(8).toString('hex')}`;
}

function errnoError(e: unknown, name: string, size = 0): Error {
  const code = (e as { code?: string }).code;
  if (code === 'EEXIST') return errors.shmExists(`shared memory '${name}' already exists; attach to it with create: false, or pick another name`);
  if (code === 'ENOENT') return errors.shmNotFound(`no shared memory named '${name}' (never created, or already unlinked)`);
  if (code === 'ENOSPC' || code === 'ENOMEM' || code === 'EFBIG') return noSpace(e, size);
  return e as Error;
}

/** Where POSIX shared memory lives on Linux (glibc's shm_open). */
export const SHM_DIR = '/dev/shm';

function amount(bytes: number): string {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * ERR_SHM_NO_SPACE: the segment's pages could not be reserved (the addon reserves them when
 * it makes a segment, so this is said here rather than by a SIGBUS at the first write).
 */
function noSpace(cause: unknown, size: number): Error {
  let free = '';
  try {
    const st = fs.statfsSync(SHM_DIR);
    free = ` (${amount(st.bavail * st.bsize)} free of ${amount(st.blocks * st.bsize)})`;
  } catch {
    /* no figures */
  }
  const err = errors.shmNoSpace(
    `no space for ${amount(size)}${size >= 1024 ? ` (${size} bytes)` : ''} of shared memory in ${SHM_DIR}${free}: ` +
      'free some (close and unlink SharedMemory blocks, drop Values, Locks and arrays no longer needed, remove stale files there), ' +
      `ask for less, or give ${SHM_DIR} more room (Docker: docker run --shm-size=1g; Kubernetes: an emptyDir with medium: Memory mounted at ${SHM_DIR})`,
  );
  (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

/**
 * Creates a segment of `size` bytes. `local`: memory only this process's threads share (no
 * addon needed); otherwise a POSIX segment, unlinked by the tracker if this program ends first.
 */
export function createSegment(size: number, name?: string, local = false): Segment {
  if (!Number.isInteger(size) || size <= 0) throw errors.outOfRange(`shared memory size must be a positive integer, got ${size}`);
  const bare = name === undefined ? freshName() : checkName(name);
  if (local || !nativeAddon()) {
    if (!local && name !== undefined) requireAddon(`shared memory named '${bare}'`);
    warnOnceWithoutAddon();
    if (knownBuffers.has(bare)) throw errnoError({ code: 'EEXIST' }, bare);
    const sab = new SharedArrayBuffer(size);
    knownBuffers.set(bare, sab);
    return { name: bare, sab, size };
  }
  const addon = requireAddon('shared memory');
  let sab: SharedArrayBuffer;
  try {
    sab = addon.open(`/${bare}`, size, true, true);
  } catch (e) {
    throw errnoError(e, bare, size);
  }
  trackSegment(bare);
  knownBuffers.set(bare, sab);
  return { name: bare, sab, size };
}

/** Attaches to an existing segment by name (this thread's buffers first, then POSIX). */
export function attachSegment(name: string): Segment {
  const bare = checkName(name);
  const known = knownBuffers.get(bare);
  if (known) return { name: bare, sab: known, size: known.byteLength };
  const addon = requireAddon(`attaching to shared memory '${bare}'`);
  let sab: SharedArrayBuffer;
  try {
    sab = addon.open(`/${bare}`, 0, false, false);
  } catch (e) {
    throw errnoError(e, bare);
  }
  knownBuffers.set(bare, sab);
  return { name: bare, sab, size: sab.byteLength };
}

/** Removes the name (the memory stays mapped where it is in use). ERR_SHM_NOT_FOUND the second time. */
export function unlinkSegment(name: string): void {
  const bare = checkName(name);
  const addon = nativeAddon();
  const known = knownBuffers.delete(bare);
  if (!addon) {
    if (!known) throw errnoError({ code: 'ENOENT' }, bare);
    return;
  }
  try {
    addon.unlink(`/${bare}`);
  } catch (e) {
    throw errnoError(e, bare);
  } finally {
    untrackSegment(bare);
  }
}
