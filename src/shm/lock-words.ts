// The one layout of a lock in shared memory, used by every Lock and RLock whose state lives
// there: a `new Lock()` / `new RLock()` made where the native addon loads (its own segment,
// waiters queue at the hub: sync/lock.ts, hub/objects/shared-lock.ts) and the RLock at the
// start of a Value's or SharedArray's memory (waiters sleep on the state word itself).
// Six int32 words, read by name:
//   STATE         0 free, 1 held, 2 held and someone may sleep on this word (futex waiting)
//   WAITERS       1 while someone waits at the hub (then the uncontended path steps aside: FIFO)
//   PID, THREAD   the holder (THREAD is NO_THREAD while free: 0 is a main thread's id)
//   COUNT         the holder's recursion count
//   COND_WAITERS  how many wait at Conditions over this lock (a notify() nobody hears is free)
// Also here: taking and freeing the words, and taking over from a holder whose process died,
// so the owner checks and the dead-holder rules exist once.
import { processAlive, selfPid, selfThread } from '../runtime/pid.js';
import { futexWaitAsync, nativeAddon } from './native.js';

export const STATE = 0, WAITERS = 1, PID = 2, THREAD = 3, COUNT = 4, COND_WAITERS = 5;
export const LOCK_WORDS = 6;
/** Bytes of a lock's words; a multiple of 8, so a Value's data after them stays aligned. */
export const LOCK_BYTES = 24;
/** The thread word of a free lock (0 is a main thread's id). */
export const NO_THREAD = -1;
/** The pid word while a waiter takes over from a dead holder: a pid no process has. */
const CLAIMING = -2;
/** How often a sleeping waiter looks whether the holder is still alive. */
const CHECK_MS = 200;

/** The words of the lock at `byteOffset` of `sab`. */
export function lockWords(sab: SharedArrayBuffer, byteOffset: number): Int32Array {
  return new Int32Array(sab, byteOffset, LOCK_WORDS);
}

/** A new lock (not one attached by name): its thread word says nobody. */
export function initLockWords(a: Int32Array): void { Atomics.store(a, THREAD, NO_THREAD); }

/**
 * Whether (pid, thread) holds the lock. A release resets the thread word to NO_THREAD, so a
 * thread finds its own id there only if it, or the hub for it, wrote it since its last
 * release: it holds the lock. The pid and thread words need no ordering between them.
 */
export function heldBy(a: Int32Array, pid: number, thread: number): boolean {
  return Atomics.load(a, STATE) !== 0 && a[PID] === pid && a[THREAD] === thread;
}

/** Whether this thread holds the lock. */
export function heldHere(a: Int32Array): boolean { return heldBy(a, selfPid, selfThread); }

/**
 * Takes a free lock for (pid, thread) with one compare-and-swap, unless someone waits at the
 * hub (they go first). The owner words are plain stores: the compare-and-swap and the
 * releasing exchange order them for everyone else (each atomic is a full fence, ~10 ns).
 */
export function takeFree(a: Int32Array, pid: number, thread: number, count: number): boolean {
  if (Atomics.load(a, WAITERS) !== 0 || Atomics.compareExchange(a, STATE, 0, 1) !== 0) return false;
  a[PID] = pid;
  a[THREAD] = thread;
  a[COUNT] = count;
  return true;
}

/** The hub takes a free lock for the head of its line (the flag it raised does not stop it). */
export function takeForWaiter(a: Int32Array, pid: number, thread: number, count: number): boolean {
  if (Atomics.compareExchange(a, STATE, 0, 1) !== 0) return false;
  Atomics.store(a, PID, pid);
  Atomics.store(a, THREAD, thread);
  Atomics.store(a, COUNT, count);
  return true;
}

/**
 * Frees the lock. Returns what the caller must do next: 'wake' a sleeper on the state word,
 * tell the 'hub' someone waits there (store-then-check against the hub, which raises its flag
 * then tries to take the lock), or nothing.
 */
export function freeWords(a: Int32Array): 'wake' | 'hub' | null {
  a[PID] = 0;
  a[THREAD] = NO_THREAD;
  a[COUNT] = 0;
  if (Atomics.exchange(a, STATE, 0) === 2) return 'wake';
  return Atomics.load(a, WAITERS) === 1 ? 'hub' : null;
}

/** Whether the holder is a process that is gone (its lock may be taken over). */
export function holderDead(a: Int32Array): boolean {
  return Atomics.load(a, STATE) !== 0 && !processAlive(Atomics.load(a, PID));
}

/** Where a lock's words are, for sleeping on them: a futex through the addon, or Atomics.waitAsync. */
export interface LockPlace { name: string; sab: SharedArrayBuffer; byteOffset: number; posix: boolean }

/**
 * Waits for the lock by sleeping on its state word (not FIFO: whoever wins the exchange goes
 * first); true once held, false when `deadline` (performance.now() time) passed. A holder whose
 * process died is noticed while waiting: exactly one waiter wins its owner word and takes the
 * lock over (data it guarded may be half-updated).
 */
export async function sleepForLock(a: Int32Array, place: LockPlace, deadline: number): Promise<boolean> {
  for (;;) {
    if (Atomics.exchange(a, STATE, 2) === 0) {
      a[PID] = selfPid;
      a[THREAD] = selfThread;
      a[COUNT] = 1;
      return true;
    }
    const owner = Atomics.load(a, PID);
    if (!processAlive(owner) && Atomics.compareExchange(a, PID, owner, CLAIMING) === owner) {
      Atomics.store(a, THREAD, selfThread);
      a[COUNT] = 1;
      Atomics.store(a, PID, selfPid);
      return true;
    }
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleepOn(a, place, Math.min(left, CHECK_MS));
  }
}

function sleepOn(a: Int32Array, place: LockPlace, ms: number): Promise<unknown> {
  const addon = place.posix ? nativeAddon() : null;
  if (addon) return futexWaitAsync(addon, place.sab, place.byteOffset + STATE * 4, 2, ms);
  const r = Atomics.waitAsync(a, STATE, 2, ms);
  return r.async ? r.value : Promise.resolve(r.value);
}

/** Wakes one waiter sleeping on the state word. */
export function wakeOne(a: Int32Array, place: LockPlace): void {
  const addon = place.posix ? nativeAddon() : null;
  if (addon) addon.wake(place.sab, place.byteOffset + STATE * 4, 1);
  else Atomics.notify(a, STATE, 1);
}
