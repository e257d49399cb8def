// A Lock or RLock whose state lives in shared memory, with the hub as its waiting room.
// Uncontended, a process takes and releases it with one atomic operation each and no message;
// when it is taken, the acquirer queues at the hub, which hands the lock over in arrival order
// (FIFO, hub-decided timeouts, as for hub-only locks). The two sides never lose a wake-up:
// a releaser stores "free" then reads the waiters flag; the hub stores the flag then tries to
// take the lock for the head waiter (each sees the other's write).
// Words: state (0 free, 1 held), waiters flag, owner pid, owner thread, recursion count, and
// how many wait at Conditions over this lock (so a notify() nobody waits for needs no message).
// A holder whose process died is noticed by the hub while someone waits (its pid is gone); a
// worker thread that ended holding it is freed by the thread that started it (sync/lock.ts).
import { misuse } from '../../errors.js';
import { processAlive } from '../../runtime/pid.js';
import type { Segment } from '../../shm/segment.js';
import type { HubObject, Peer, Reply } from '../hub-object.js';
import { wireTimeout } from '../wait-list.js';
import { WaitingRoom } from './waiting-room.js';

export const STATE = 0, WAITERS = 1, PID = 2, THREAD = 3, COUNT = 4, COND_WAITERS = 5;
/** The thread word of a free lock (0 is a main thread's id): see sync/lock.ts mine(). */
export const NO_THREAD = -1;
export const SHARED_LOCK_BYTES = 32;

/** Who asks: [pid, threadId], sent along with every request that needs it. */
export type Identity = [number, number];

export function identityOf(args: unknown[], at: number): Identity {
  const pid = args[at], thread = args[at + 1];
  return [typeof pid === 'number' ? pid : -1, typeof thread === 'number' ? thread : -1];
}

interface Waiting { id: Identity; count: number; grant: (() => void) | null }

export class SharedLockObject implements HubObject {
  private readonly a: Int32Array;
  private readonly room: WaitingRoom<Waiting>;

  constructor(readonly type: 'Lock' | 'RLock', seg: Segment) {
    this.a = new Int32Array(seg.sab, 0, 6);
    this.room = new WaitingRoom(this.a, WAITERS, () => this.reapDeadHolder());
  }

  private get queue() { return this.room.line; }

  /**
   * For Condition: `n` more (or fewer) wait at a Condition over this lock. Counted up before
   * the waiter's lock is released, so a notifier, who must hold the lock, always sees it.
   */
  conditionWaiters(n: number): void { Atomics.add(this.a, COND_WAITERS, n); }

  holds(_peer: Peer, id: Identity): boolean {
    return Atomics.load(this.a, STATE) === 1 && Atomics.load(this.a, PID) === id[0] && Atomics.load(this.a, THREAD) === id[1];
  }

  call(peer: Peer, op: string, args: unknown[], reply: Reply): void {
    switch (op) {
      case 'acquire': {
        const timeout = wireTimeout(args[0]);
        const id = identityOf(args, 1);
        this.room.admit(peer, reply, { id, count: 1, grant: null }, timeout, () => this.take(id, 1));
        return;
      }
      // A release by a process that saw the waiters flag (it already freed the lock).
      case 'released': this.handOn(); reply.ok(); return;
      default: throw misuse('ERR_UNKNOWN_OPERATION', `${this.type} has no operation '${op}'`);
    }
  }

  note(_peer: Peer, op: string): void { if (op === 'released') this.handOn(); }

  private take(id: Identity, count: number): boolean {
    if (Atomics.compareExchange(this.a, STATE, 0, 1) !== 0) return false;
    Atomics.store(this.a, PID, id[0]);
    Atomics.store(this.a, THREAD, id[1]);
    Atomics.store(this.a, COUNT, count);
    return true;
  }

  /** Gives a free lock to the first in line, while there is a line. */
  private handOn(): void {
    for (;;) {
      const head = this.queue.peek();
      if (!head || !this.take(head.data.id, head.data.count)) break;
      this.queue.shift();
      if (head.data.grant) head.data.grant(); else head.reply.ok(true);
    }
    this.room.settle();
  }

  private reapDeadHolder(): void {
    if (Atomics.load(this.a, STATE) !== 1 || processAlive(Atomics.load(this.a, PID))) return;
    Atomics.store(this.a, PID, 0);
    Atomics.store(this.a, THREAD, NO_THREAD);
    Atomics.store(this.a, COUNT, 0);
    Atomics.store(this.a, STATE, 0);
    this.handOn();
  }

  /** For Condition.wait: frees the lock held by `id` and returns its recursion count. */
  releaseAll(_peer: Peer, id: Identity): number {
    if (!this.holds(_peer, id)) return 0;
    const count = Atomics.load(this.a, COUNT);
    Atomics.store(this.a, PID, 0);
    Atomics.store(this.a, THREAD, NO_THREAD);
    Atomics.store(this.a, COUNT, 0);
    Atomics.store(this.a, STATE, 0);
    this.handOn();
    return count;
  }

  /** For Condition.wait: queues `id` to take the lock back with `count`; `grant` runs once it has. */
  restore(peer: Peer, count: number, reply: Reply, grant: () => void, id: Identity): void {
    this.room.raise();
    this.queue.add(peer, reply, { id, count: Math.max(1, count), grant }, null, () => {});
    this.handOn();
    this.room.watch();
  }

  peerGone(peer: Peer): void { this.room.peerGone(peer); }

  dispose(): void { this.room.stop(); }
}
