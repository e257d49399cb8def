// A Lock or RLock whose state lives in shared memory, with the hub as its waiting room.
// Uncontended, a process takes and releases it with one atomic operation each and no message;
// when it is taken, the acquirer queues at the hub, which hands the lock over in arrival order
// (FIFO, hub-decided timeouts, as for hub-only locks). The two sides never lose a wake-up:
// a releaser stores "free" then reads the waiters flag; the hub stores the flag then tries to
// take the lock for the head waiter (each sees the other's write).
// The words are those of every lock in shared memory (shm/lock-words.ts).
// A holder whose process died is noticed by the hub while someone waits (its pid is gone); a
// worker thread that ended holding it is freed by the thread that started it (sync/lock.ts).
import { errors } from '../../errors.js';
import type { Segment } from '../../shm/segment.js';
import { LockWord, freeWords, heldBy, holderDead, lockWords, takeForWaiter } from '../../shm/lock-words.js';
import type { HubObject, Peer, Reply } from '../hub-object.js';
import type { OpCall, SharedLockOps } from '../ops.js';
import { wireTimeout } from '../wait-list.js';
import { WaitingRoom } from './waiting-room.js';

/** Who asks: [pid, threadId], sent along with every request that needs it. */
export type Identity = [number, number];

export function identityOf(args: unknown[], at: number): Identity {
  const pid = args[at],
    thread = args[at + 1];
  return [typeof pid === 'number' ? pid : -1, typeof thread === 'number' ? thread : -1];
}

interface Waiting {
  id: Identity;
  count: number;
  grant: (() => void) | null;
}

export class SharedLockObject implements HubObject {
  private readonly a: Int32Array;
  private readonly room: WaitingRoom<Waiting>;

  constructor(
    readonly type: 'Lock' | 'RLock',
    seg: Segment,
  ) {
    this.a = lockWords(seg.sab, 0);
    this.room = new WaitingRoom(this.a, LockWord.WAITERS, () => this.reapDeadHolder());
  }

  private get queue() {
    return this.room.line;
  }

  /**
   * For Condition: `n` more (or fewer) wait at a Condition over this lock. Counted up before
   * the waiter's lock is released, so a notifier, who must hold the lock, always sees it.
   */
  conditionWaiters(n: number): void {
    Atomics.add(this.a, LockWord.COND_WAITERS, n);
  }

  holds(_peer: Peer, id: Identity): boolean {
    return heldBy(this.a, id[0], id[1]);
  }

  call(peer: Peer, ...[op, args, reply]: OpCall<SharedLockOps>): void {
    switch (op) {
      case 'acquire': {
        const timeout = wireTimeout(args[0]);
        const id = identityOf(args, 1);
        this.room.admit(peer, reply, { id, count: 1, grant: null }, timeout, () => this.take(id, 1));
        return;
      }
      // A release by a process that saw the waiters flag (it already freed the lock).
      case 'released':
        this.handOn();
        reply.ok();
        return;
      default:
        throw errors.unknownOperation(`${this.type} has no operation '${op}'`);
    }
  }

  note(_peer: Peer, op: string): void {
    if (op === 'released') this.handOn();
  }

  private take(id: Identity, count: number): boolean {
    return takeForWaiter(this.a, id[0], id[1], count);
  }

  /** Gives a free lock to the first in line, while there is a line. */
  private handOn(): void {
    for (;;) {
      const head = this.queue.peek();
      if (!head || !this.take(head.data.id, head.data.count)) break;
      this.queue.shift();
      if (head.data.grant) head.data.grant();
      else head.reply.ok(true);
    }
    this.room.settle();
  }

  private reapDeadHolder(): void {
    if (!holderDead(this.a)) return;
    freeWords(this.a, true);
    this.handOn();
  }

  /** For Condition.wait: frees the lock held by `id` and returns its recursion count. */
  releaseAll(_peer: Peer, id: Identity): number {
    if (!this.holds(_peer, id)) return 0;
    const count = Atomics.load(this.a, LockWord.COUNT);
    freeWords(this.a, true);
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

  peerGone(peer: Peer): void {
    this.room.peerGone(peer);
  }

  dispose(): void {
    this.room.stop();
  }
}
