// Lock, RLock, Semaphore and BoundedSemaphore as hub state. Waiters are served in arrival
// order. Rule for a holder that dies: what it held is released and handed to the next
// waiter (RELIABILITY: "a lock whose holder died"), so nobody waits forever on a dead process;
// except a plain Semaphore's units, which may be signals a consumer took for good.
import { errors } from '../../errors.js';
import type { HubObject, Peer, Reply } from '../hub-object.js';
import type { LockOps, OpCall } from '../ops.js';
import { WaitList, wireTimeout } from '../wait-list.js';

export type LockKind = 'Lock' | 'RLock' | 'Semaphore' | 'BoundedSemaphore';

/** A grant to deliver: a Condition's waiter gets its lock back through this instead of a reply. */
type Grant = (peer: Peer) => void;

export class LockObject implements HubObject {
  private value: number;
  /** How many units each peer holds (an RLock: its recursion count, one owner at a time). */
  private readonly held = new Map<Peer, number>();
  private readonly waiters = new WaitList<{ grant: Grant | null; count: number }>();

  constructor(
    readonly type: LockKind,
    private readonly initial: number,
  ) {
    if (!Number.isInteger(initial) || initial < 0) throw new RangeError('semaphore initial value must be an integer >= 0');
    this.value = type === 'Lock' || type === 'RLock' ? 1 : initial;
  }

  private get reentrant(): boolean {
    return this.type === 'RLock';
  }

  /** True when `peer` holds this lock (for a Condition's ownership check). */
  holds(peer: Peer, _id?: unknown): boolean {
    return (this.held.get(peer) ?? 0) > 0;
  }

  call(peer: Peer, ...[op, args, reply]: OpCall<LockOps>): void {
    switch (op) {
      case 'acquire': {
        const timeout = wireTimeout(args[0]);
        if (this.tryAcquire(peer, 1)) {
          reply.ok(true);
          return;
        }
        if (timeout === 0) {
          reply.ok(false);
          return;
        }
        this.waiters.add(peer, reply, { grant: null, count: 1 }, timeout, (w) => w.reply.ok(false));
        return;
      }
      case 'release':
        this.release(peer);
        reply.ok();
        return;
      case 'value':
        reply.ok(this.value);
        return;
      case 'locked':
        reply.ok(this.value === 0);
        return;
      default:
        throw errors.unknownOperation(`${this.type} has no operation '${op}'`);
    }
  }

  /** A release sent without waiting for an answer (by a handle that holds the lock). */
  note(peer: Peer, op: string): void {
    if (op === 'release')
      try {
        this.release(peer);
      } catch {
        /* released meanwhile by another process */
      }
  }

  private tryAcquire(peer: Peer, count: number): boolean {
    if (this.reentrant) {
      const mine = this.held.get(peer) ?? 0;
      if (mine > 0) {
        this.held.set(peer, mine + count);
        return true;
      }
      if (this.value === 1 && this.waiters.length === 0) {
        this.value = 0;
        this.held.set(peer, count);
        return true;
      }
      return false;
    }
    // FIFO: a newcomer does not overtake waiters.
    if (this.value > 0 && this.waiters.length === 0) {
      this.value--;
      this.held.set(peer, (this.held.get(peer) ?? 0) + 1);
      return true;
    }
    return false;
  }

  release(peer: Peer): void {
    if (this.reentrant) {
      const mine = this.held.get(peer) ?? 0;
      if (mine === 0) {
        if (this.value === 1) throw errors.releaseUnlocked('release() of an RLock that is not acquired; call acquire() first');
        throw errors.notOwner('this RLock is held by another process or thread; only its owner may release it');
      }
      if (mine > 1) {
        this.held.set(peer, mine - 1);
        return;
      }
      this.held.delete(peer);
      this.value = 1;
      this.handOn();
      return;
    }
    if (this.type === 'Lock' && this.value === 1) throw errors.releaseUnlocked('release() of a Lock that is not locked; acquire it first');
    if (this.type === 'BoundedSemaphore' && this.value >= this.initial) {
      throw errors.releaseUnlocked(`BoundedSemaphore released too many times (its value would exceed ${this.initial})`);
    }
    // A Lock may be released by another process (as in CPython); count it off whoever holds it.
    const holder = this.held.has(peer) ? peer : this.held.keys().next().value;
    if (holder) {
      const n = this.held.get(holder)! - 1;
      if (n > 0) this.held.set(holder, n);
      else this.held.delete(holder);
    }
    this.value++;
    this.handOn();
  }

  /** Gives free units to waiters, first come first served. */
  private handOn(): void {
    while (this.value > 0) {
      const w = this.waiters.shift();
      if (!w) return;
      this.value--;
      this.held.set(w.peer, (this.held.get(w.peer) ?? 0) + (this.reentrant ? w.data.count : 1));
      if (w.data.grant) w.data.grant(w.peer);
      else w.reply.ok(true);
    }
  }

  /** For Condition.wait: releases everything `peer` holds and returns it for restore(). */
  releaseAll(peer: Peer, _id?: unknown): number {
    const mine = this.held.get(peer) ?? 0;
    if (mine === 0) return 0;
    this.held.delete(peer);
    this.value += this.reentrant ? 1 : mine;
    this.handOn();
    return mine;
  }

  /** For Condition.wait: queues `peer` to take back `count` (no timeout); `grant` runs when it has. */
  restore(peer: Peer, count: number, reply: Reply, grant: Grant, _id?: unknown): void {
    const n = Math.max(1, count);
    if (this.reentrant) {
      if (this.value === 1 && this.waiters.length === 0) {
        this.value = 0;
        this.held.set(peer, n);
        grant(peer);
        return;
      }
      this.waiters.add(peer, reply, { grant, count: n }, null, () => {});
      return;
    }
    // A plain lock/semaphore: take the units back one waiter slot at a time.
    if (this.value > 0 && this.waiters.length === 0) {
      this.value--;
      this.held.set(peer, (this.held.get(peer) ?? 0) + 1);
      if (n > 1) this.restore(peer, n - 1, reply, grant);
      else grant(peer);
      return;
    }
    this.waiters.add(peer, reply, { grant: n > 1 ? () => this.restore(peer, n - 1, reply, grant) : grant, count: 1 }, null, () => {});
  }

  peerGone(peer: Peer): void {
    this.waiters.dropPeer(peer);
    const mine = this.held.get(peer) ?? 0;
    // A plain Semaphore may count signals a consumer took for good: its units stay taken (as in CPython).
    if (mine === 0 || this.type === 'Semaphore') return;
    this.held.delete(peer);
    this.value += this.reentrant ? 1 : mine;
    this.handOn();
  }
}
