// The one layout of a lock in shared memory, used by every Lock and RLock whose state lives
// there: a `new Lock()` / `new RLock()` made where the native addon loads (its own segment,
// waiters queue at the hub: sync/lock.ts, hub/objects/shared-lock.ts) and the RLock at the
// start of a Value's or SharedArray's memory (waiters sleep on the state word itself).
// Six int32 words, read by name:
//   STATE         0 free, 1 held, 2 held and someone may sleep on this word (futex waiting)
//   WAITERS       1 while someone waits at the hub (then the uncontended path steps aside: FIFO)
//   PID, THREAD   the holder (THREAD is Nobody.THREAD while free: 0 is a main thread's id)
//   COUNT         the holder's recursion count
//   COND_WAITERS  how many wait at Conditions over this lock (a notify() nobody hears is free)
// Also here: taking and freeing the words, and taking over from a holder whose process died,
// so the owner checks and the dead-holder rules exist once.
import { processAlive, selfPid, selfThread } from '../runtime/pid.js';
import { futexWaitAsync, nativeAddon } from '../native/addon.js';

/** The words of a lock, by name (a const enum: the bundle reads them as literal indexes). */
export const enum LockWord {
  STATE = 0,
  WAITERS = 1,
  PID = 2,
  THREAD = 3,
  COUNT = 4,
  COND_WAITERS = 5,
}
export const LOCK_WORDS = 6;
/** Bytes of a lock's words; a multiple of 8, so a Value's data after them stays aligned. */
export const LOCK_BYTES = 24;
/** Values of the owner words that name nobody (a const enum: the bundle reads literals). */
export const enum Nobody {
  /** The thread word of a free lock (0 is a main thread's id). */
  THREAD = -1,
  /** The pid word while a waiter takes over from a dead holder: a pid no process has. */
  CLAIMING = -2,
}
/** How often a sleeping waiter looks whether the holder is still alive. */
const CHECK_MS = 200;

/** The words of the lock at `byteOffset` of `sab`. */
export function lockWords(sab: SharedArrayBuffer, byteOffset: number): Int32Array {
  return new Int32Array(sab, byteOffset, LOCK_WORDS);
}

/** A new lock (not one attached by name): its thread word says nobody. */
export function initLockWords(a: Int32Array): void {
  Atomics.store(a, LockWord.THREAD, Nobody.THREAD);
}

/** Whether (pid, thread) holds the lock (asked by anyone: the hub, the thread that started a worker). */
export function heldBy(a: Int32Array, pid: number, thread: number): boolean {
  return Atomics.load(a, LockWord.STATE) !== 0 && Atomics.load(a, LockWord.PID) === pid && Atomics.load(a, LockWord.THREAD) === thread;
}

/**
 * Whether this thread holds the lock. A release resets the thread word to Nobody.THREAD (as a new
 * lock starts), so a thread finds its own id there only if it, or the hub for it, wrote it
 * since its last release: it holds the lock. Only the holder writes its own id, so plain reads
 * do, and the pid and thread words need no ordering between them.
 */
export function heldHere(a: Int32Array): boolean {
  return a[LockWord.PID] === selfPid && a[LockWord.THREAD] === selfThread;
}

/**
 * The hub takes a free lock for the head of its line (the flag it raised does not stop it).
 * A holder takes it in sync/lock.ts (tryAcquire): one compare-and-swap of STATE from 0 to 1
 * unless WAITERS is set (for a lock whose waiters queue at the hub), then plain stores of the
 * owner words (the compare-and-swap and the releasing exchange order them for everyone else).
 */
export function takeForWaiter(a: Int32Array, pid: number, thread: number, count: number): boolean {
  if (Atomics.compareExchange(a, LockWord.STATE, 0, 1) !== 0) return false;
  Atomics.store(a, LockWord.PID, pid);
  Atomics.store(a, LockWord.THREAD, thread);
  Atomics.store(a, LockWord.COUNT, count);
  return true;
}

/**
 * Frees the lock (the hub's way; a holder's is sync/lock.ts #free, the same steps). Returns
 * what the caller must do next: 'wake' a sleeper on the state word, tell the 'hub' someone
 * waits there (when waiters `queue` there: store-then-check against the hub, which raises its
 * flag then tries to take the lock), or nothing.
 */
export function freeWords(a: Int32Array, queue: boolean): 'wake' | 'hub' | null {
  a[LockWord.PID] = 0;
  a[LockWord.THREAD] = Nobody.THREAD;
  a[LockWord.COUNT] = 0;
  if (Atomics.exchange(a, LockWord.STATE, 0) === 2) return 'wake';
  return queue && Atomics.load(a, LockWord.WAITERS) === 1 ? 'hub' : null;
}

/** Whether the holder is a process that is gone (its lock may be taken over). */
export function holderDead(a: Int32Array): boolean {
  return Atomics.load(a, LockWord.STATE) !== 0 && !processAlive(Atomics.load(a, LockWord.PID));
}

/** Where a lock's words are, for sleeping on them: a futex through the addon, or Atomics.waitAsync. */
export interface LockPlace {
  name: string;
  sab: SharedArrayBuffer;
  byteOffset: number;
  posix: boolean;
}

/**
 * Waits for the lock by sleeping on its state word (not FIFO: whoever wins the exchange goes
 * first); true once held, false when `deadline` (performance.now() time) passed. A holder whose
 * process died is noticed while waiting: exactly one waiter wins its owner word and takes the
 * lock over (data it guarded may be half-updated).
 */
export async function sleepForLock(a: Int32Array, place: LockPlace, deadline: number): Promise<boolean> {
  for (;;) {
    if (Atomics.exchange(a, LockWord.STATE, 2) === 0) {
      a[LockWord.PID] = selfPid;
      a[LockWord.THREAD] = selfThread;
      a[LockWord.COUNT] = 1;
      return true;
    }
    const owner = Atomics.load(a, LockWord.PID);
    if (!processAlive(owner) && Atomics.compareExchange(a, LockWord.PID, owner, Nobody.CLAIMING) === owner) {
      Atomics.store(a, LockWord.THREAD, selfThread);
      a[LockWord.COUNT] = 1;
      Atomics.store(a, LockWord.PID, selfPid);
      return true;
    }
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleepOn(a, place, Math.min(left, CHECK_MS));
  }
}

function sleepOn(a: Int32Array, place: LockPlace, ms: number): Promise<unknown> {
  const addon = place.posix ? nativeAddon() : null;
  if (addon) return futexWaitAsync(addon, place.sab, place.byteOffset + LockWord.STATE * 4, 2, ms);
  const r = Atomics.waitAsync(a, LockWord.STATE, 2, ms);
  return r.async ? r.value : Promise.resolve(r.value);
}

/** Wakes one waiter sleeping on the state word. */
export function wakeOne(a: Int32Array, place: LockPlace): void {
  const addon = place.posix ? nativeAddon() : null;
  if (addon) addon.wake(place.sab, place.byteOffset + LockWord.STATE * 4, 1);
  else Atomics.notify(a, LockWord.STATE, 1);
}
