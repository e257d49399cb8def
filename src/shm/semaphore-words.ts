// The shared-memory layout of a Semaphore (many holders at once) and the holder table that
// lets a dead holder's units come back (kept for a BoundedSemaphore only: see sync/semaphore.ts). Used by the proxy (sync/semaphore.ts), which takes
// and gives units with one compare-and-swap, and by the hub (hub/objects/shared-semaphore.ts),
// which queues waiters and reaps units held by processes that are gone.
//
// Words: value, waiters flag, then NSLOTS holder slots of [pid, thread, units held].
// A slot is claimed by compare-and-swap of its pid word from 0 to CLAIMING, then filled. Only
// its owner adds to a slot; anyone may count a unit off one (a Semaphore may be released by a
// process that did not acquire it, as in CPython: the unit is counted off some holder). A slot
// is freed only when its owner is gone (the hub for a dead process, the parent thread for an
// ended worker thread), or reused once its owner is dead and it holds nothing; freeing and
// reuse both go through CLAIMING, so one of them wins and nobody matches a slot in between.
// With every slot taken, acquisitions still work; only their return on death is lost.
import { processAlive } from '../runtime/pid.js';

export const VALUE = 0,
  WAITERS = 1;
const SLOTS_AT = 4,
  SLOT_WORDS = 3,
  NSLOTS = 64;
const CLAIMING = -1;
export const SEMAPHORE_BYTES = (SLOTS_AT + NSLOTS * SLOT_WORDS) * 4;

const pidAt = (i: number) => SLOTS_AT + i * SLOT_WORDS;
const threadAt = (i: number) => pidAt(i) + 1;
const unitsAt = (i: number) => pidAt(i) + 2;

/** Takes one unit if there is one; false when the value is 0. */
export function takeUnit(a: Int32Array): boolean {
  for (;;) {
    const v = Atomics.load(a, VALUE);
    if (v <= 0) return false;
    if (Atomics.compareExchange(a, VALUE, v, v - 1) === v) return true;
  }
}

/** Gives one unit back; false (and nothing changes) when `bound` would be exceeded. */
export function giveUnit(a: Int32Array, bound: number | null): boolean {
  for (;;) {
    const v = Atomics.load(a, VALUE);
    if (bound !== null && v >= bound) return false;
    if (Atomics.compareExchange(a, VALUE, v, v + 1) === v) return true;
  }
}

function findSlot(a: Int32Array, pid: number, thread: number): number {
  for (let i = 0; i < NSLOTS; i++) {
    if (Atomics.load(a, pidAt(i)) === pid && Atomics.load(a, threadAt(i)) === thread) return i;
  }
  return -1;
}

function claim(a: Int32Array, i: number, expected: number, pid: number, thread: number): boolean {
  if (Atomics.compareExchange(a, pidAt(i), expected, CLAIMING) !== expected) return false;
  Atomics.store(a, threadAt(i), thread);
  Atomics.store(a, unitsAt(i), 0);
  Atomics.store(a, pidAt(i), pid);
  return true;
}

function claimSlot(a: Int32Array, pid: number, thread: number): number {
  for (let i = 0; i < NSLOTS; i++) if (claim(a, i, 0, pid, thread)) return i;
  // Full: reuse a slot whose owner is dead and holds nothing.
  for (let i = 0; i < NSLOTS; i++) {
    const owner = Atomics.load(a, pidAt(i));
    if (owner > 0 && Atomics.load(a, unitsAt(i)) === 0 && !processAlive(owner) && claim(a, i, owner, pid, thread)) return i;
  }
  return -1;
}

/** Records that (pid, thread) now holds one more unit. */
export function noteTaken(a: Int32Array, pid: number, thread: number): void {
  let i = findSlot(a, pid, thread);
  if (i < 0) i = claimSlot(a, pid, thread);
  if (i >= 0) Atomics.add(a, unitsAt(i), 1);
}

function countOffSlot(a: Int32Array, i: number): boolean {
  for (;;) {
    const n = Atomics.load(a, unitsAt(i));
    if (n <= 0) return false;
    if (Atomics.compareExchange(a, unitsAt(i), n, n - 1) === n) return true;
  }
}

/** Records a release by (pid, thread): off its own slot, else off any holder's. */
export function noteGiven(a: Int32Array, pid: number, thread: number): void {
  const mine = findSlot(a, pid, thread);
  if (mine >= 0 && countOffSlot(a, mine)) return;
  for (let i = 0; i < NSLOTS; i++) if (Atomics.load(a, pidAt(i)) > 0 && countOffSlot(a, i)) return;
}

/** Frees slot `i` if `owner` still has it (taken through CLAIMING, so nobody matches it meanwhile). */
function freeSlot(a: Int32Array, i: number, owner: number): number {
  if (Atomics.compareExchange(a, pidAt(i), owner, CLAIMING) !== owner) return 0;
  const units = Atomics.exchange(a, unitsAt(i), 0);
  Atomics.store(a, threadAt(i), 0);
  Atomics.store(a, pidAt(i), 0);
  return units;
}

/** Frees the slots of processes that are gone; returns the units they held (added back to the value). */
export function reapDeadHolders(a: Int32Array): number {
  let back = 0;
  for (let i = 0; i < NSLOTS; i++) {
    const owner = Atomics.load(a, pidAt(i));
    if (owner > 0 && !processAlive(owner)) back += freeSlot(a, i, owner);
  }
  if (back > 0) Atomics.add(a, VALUE, back);
  return back;
}

/** A worker thread of this process ended: gives back what it held; returns how many units. */
export function releaseThread(a: Int32Array, pid: number, thread: number): number {
  const i = findSlot(a, pid, thread);
  if (i < 0) return 0;
  const back = freeSlot(a, i, pid);
  if (back > 0) Atomics.add(a, VALUE, back);
  return back;
}
