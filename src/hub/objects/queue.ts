// Queue, JoinableQueue and SimpleQueue as hub state. Items are codec bytes, stored and handed
// on as they came (the hub never decodes a user's value).
//
// Prefetch: a consumer that asks again right after each answer may receive up to `want`
// items in one answer (a lease), so a fast reader does not pay a round trip per item. The
// hub keeps every leased item until the consumer reports it taken; when another consumer
// would otherwise wait, the hub recalls the lease (the items come back in order), and when a
// consumer's process dies its untaken items go back to the front of the queue.
//
// Shutdown (Python 3.13's queue.shutdown): puts fail with ShutDown; gets go on until the queue
// is empty and then fail, or fail at once when `immediate` (the items are dropped, counting as
// done for join()). Waiting callers are released with ShutDown, and every peer that used the
// queue is told (a push), so its unbounded puts, which get no answer, are refused there. A
// put already on its way from a peer not told yet still lands (it was made before it knew),
// unless the shutdown was immediate.
import { Empty, Full, ShutDown, errors } from '../../errors.js';
import { Ring } from '../../util/ring.js';
import type { HubObject, Peer, Reply } from '../hub-object.js';
import { WaitList, wireTimeout } from '../wait-list.js';
import type { OpCall, QueueOps } from '../ops.js';

export interface QueueSpec {
  maxsize: number;
  joinable: boolean;
}

/** An answer carries at most about this many bytes of read-ahead items. */
const MAX_LEASE_BYTES = 256 * 1024;
/** After a recall, leases stay off for this long (consumers are competing). */
const CONTENDED_MS = 200;

export class QueueObject implements HubObject {
  readonly type: string;
  private readonly items = new Ring<Uint8Array>();
  private readonly getters = new WaitList<number>();
  private readonly putters = new WaitList<Uint8Array>();
  private readonly joiners = new WaitList();
  /** Items leased to a consumer and not yet reported taken, oldest first. */
  private readonly leases = new Map<Peer, Uint8Array[]>();
  private leased = 0;
  private recalled = new Set<Peer>();
  private contendedUntil = 0;
  private unfinished = 0;
  /**
   * After an immediate shutdown: per consumer, the items it held read ahead and has not yet
   * reported as handed out ('took') or dropped ('discarded'). Only what it dropped counts as
   * done for join(); what it handed out is done when its taker calls taskDone().
   */
  private readonly discarding = new Map<Peer, number>();
  /** Set by shutdown(): 'soft' lets gets drain the queue, 'immediate' dropped it. */
  private shutDown: 'soft' | 'immediate' | null = null;
  /** Peers that used the queue (told of a shutdown), and those already told. */
  private readonly peers = new Set<Peer>();
  private readonly told = new Set<Peer>();
  private readonly maxsize: number;
  private readonly joinable: boolean;

  constructor(
    private readonly id: string,
    spec: QueueSpec,
    type = 'Queue',
  ) {
    this.type = type;
    this.maxsize = spec.maxsize > 0 ? spec.maxsize : Infinity;
    this.joinable = spec.joinable;
  }

  private get size(): number {
    return this.items.length + this.leased;
  }

  call(peer: Peer, ...[op, args, reply]: OpCall<QueueOps>): void {
    this.met(peer);
    switch (op) {
      case 'put': {
        const item = args[0];
        if (!(item instanceof Uint8Array)) throw new TypeError('queue item must be bytes');
        if (this.shutDown) {
          reply.fail(shutDownError());
          return;
        }
        const timeout = wireTimeout(args[1]);
        if (this.size < this.maxsize && this.putters.length === 0) {
          this.accept(item);
          reply.ok();
          return;
        }
        if (timeout === 0) {
          reply.fail(new Full('the queue is full'));
          return;
        }
        this.putters.add(peer, reply, item, timeout, (w) => w.reply.fail(new Full(`the queue stayed full for ${timeout} ms`)));
        return;
      }
      case 'get': {
        const timeout = wireTimeout(args[0]);
        const want = typeof args[1] === 'number' && args[1] > 1 ? Math.min(args[1], 1024) : 1;
        if (this.items.length > 0 && this.getters.length === 0) {
          this.hand(peer, reply, want);
          return;
        }
        if (this.drained()) {
          reply.fail(shutDownError());
          return;
        }
        this.recallFor(peer);
        if (timeout === 0) {
          reply.fail(new Empty('the queue is empty'));
          return;
        }
        this.getters.add(peer, reply, want, timeout, (w) => w.reply.fail(new Empty(`nothing arrived within ${timeout} ms`)));
        return;
      }
      case 'prefetch': {
        // A consumer reading ahead: only spare items, never a wait, never a recall.
        const want = typeof args[0] === 'number' ? Math.min(Math.max(args[0], 0), 1024) : 0;
        const out: Uint8Array[] = [];
        if (this.getters.length === 0 && !this.recalled.has(peer) && Date.now() >= this.contendedUntil) this.lease(peer, want, out);
        reply.ok(out);
        this.admitPutters();
        return;
      }
      // Answered after a fence: puts and take reports other processes made before this call
      // (and that this caller may know of, e.g. through an Event in shared memory) are counted.
      case 'qsize':
        void peer.fence().then(() => reply.ok(this.size));
        return;
      case 'empty':
        void peer.fence().then(() => reply.ok(this.size === 0));
        return;
      case 'full':
        void peer.fence().then(() => reply.ok(this.size >= this.maxsize));
        return;
      case 'taskDone': {
        if (!this.joinable) throw errors.unknownOperation('taskDone() belongs to JoinableQueue');
        if (this.unfinished <= 0) throw errors.taskDoneTooMany('taskDone() called more times than items were put in the queue');
        if (--this.unfinished === 0) for (const w of this.joiners.drain()) w.reply.ok();
        reply.ok();
        return;
      }
      case 'join':
        if (!this.joinable) throw errors.unknownOperation('join() belongs to JoinableQueue');
        if (this.unfinished === 0) reply.ok();
        else this.joiners.add(peer, reply, undefined, null, () => {});
        return;
      case 'shutdown':
        this.shutdown(args[0] === true);
        reply.ok();
        return;
      default:
        throw errors.unknownOperation(`${this.type} has no operation '${op}'`);
    }
  }

  note(peer: Peer, op: string, args: unknown[]): void {
    this.met(peer);
    switch (op) {
      case 'put':
        // An unbounded queue: puts need no answer. Several items may come in one note.
        if (this.shutDown === 'immediate') return;
        for (const item of args) if (item instanceof Uint8Array) this.accept(item);
        return;
      case 'took':
        this.took(peer, count(args[0]));
        return;
      case 'discarded':
        this.discarded(peer, count(args[0]));
        return;
      case 'return': {
        this.took(peer, count(args[0]));
        // After an immediate shutdown nothing goes back: the items were dropped.
        if (this.discarding.has(peer)) {
          this.discarded(peer, count(args[1]));
          return;
        }
        // A recalled lease: the items go back in front, in their order.
        const back = this.leases.get(peer) ?? [];
        this.leases.delete(peer);
        this.recalled.delete(peer);
        this.leased -= back.length;
        for (let i = back.length - 1; i >= 0; i--) this.items.unshift(back[i]!);
        this.serve();
      }
    }
  }

  private took(peer: Peer, n: number): void {
    const pending = this.discarding.get(peer);
    if (pending !== undefined) {
      this.settleDiscarding(peer, pending - Math.min(n, pending));
      return;
    }
    const lease = this.leases.get(peer);
    if (!lease || n <= 0) return;
    const k = Math.min(n, lease.length);
    lease.splice(0, k);
    this.leased -= k;
    if (lease.length === 0) {
      this.leases.delete(peer);
      this.recalled.delete(peer);
    }
    this.admitPutters();
    this.releaseIfDrained();
  }

  /**
   * A consumer dropped `n` items it held read ahead (an immediate shutdown): they count as done.
   * Before the shutdown reaches the hub (the consumer's own shutdown() call follows this note),
   * they leave its lease.
   */
  private discarded(peer: Peer, n: number): void {
    const pending = this.discarding.get(peer);
    let k: number;
    if (pending !== undefined) {
      k = Math.min(n, pending);
      this.settleDiscarding(peer, pending - k);
    } else {
      const lease = this.leases.get(peer);
      k = lease ? Math.min(n, lease.length) : 0;
      if (k === 0) return;
      lease!.splice(0, k);
      this.leased -= k;
      if (lease!.length === 0) {
        this.leases.delete(peer);
        this.recalled.delete(peer);
      }
      this.admitPutters();
    }
    this.countDone(k);
  }

  private settleDiscarding(peer: Peer, left: number): void {
    if (left > 0) this.discarding.set(peer, left);
    else this.discarding.delete(peer);
  }

  /** `n` items will never be handed out: for join() they count as done. */
  private countDone(n: number): void {
    if (!this.joinable || n <= 0 || this.unfinished === 0) return;
    this.unfinished = Math.max(0, this.unfinished - n);
    if (this.unfinished === 0) for (const w of this.joiners.drain()) w.reply.ok();
  }

  /** A peer using the queue: after a shutdown it is told, once. */
  private met(peer: Peer): void {
    if (this.peers.has(peer)) return;
    this.peers.add(peer);
    if (this.shutDown) this.tell(peer);
  }

  private tell(peer: Peer): void {
    if (this.told.has(peer) || peer.closed) return;
    this.told.add(peer);
    peer.push(this.id, 'shutdown', [this.shutDown === 'immediate']);
  }

  /** Shut down and nothing left to hand out: gets fail with ShutDown. */
  private drained(): boolean {
    return this.shutDown !== null && this.items.length === 0 && this.leased === 0;
  }

  private shutdown(immediate: boolean): void {
    if (this.shutDown === 'immediate' || (this.shutDown === 'soft' && !immediate)) return;
    this.shutDown = immediate ? 'immediate' : 'soft';
    // Peers told of a soft shutdown hear again: an immediate one also empties their read-ahead.
    this.told.clear();
    if (immediate) {
      // What the hub holds is dropped and done now. Items leased to consumers may already be
      // in their takers' hands (the 'took' report is on its way): each consumer reports what it
      // dropped, and only that counts as done (see discarded()).
      const dropped = this.items.length;
      this.items.drain();
      for (const [holder, lease] of this.leases) if (lease.length > 0) this.discarding.set(holder, lease.length);
      this.leases.clear();
      this.leased = 0;
      this.recalled.clear();
      this.countDone(dropped);
    }
    for (const w of this.putters.drain()) w.reply.fail(shutDownError());
    this.releaseIfDrained();
    for (const peer of this.peers) this.tell(peer);
  }

  private releaseIfDrained(): void {
    if (this.drained()) for (const w of this.getters.drain()) w.reply.fail(shutDownError());
  }

  private accept(item: Uint8Array): void {
    if (this.joinable) this.unfinished++;
    this.items.push(item);
    this.serve();
  }

  /** Answers a get with the head item, plus a lease of up to want-1 more when nobody competes. */
  private hand(peer: Peer, reply: Reply, want: number): void {
    const out = [this.items.shift()!];
    if (want > 1 && this.getters.length === 0 && Date.now() >= this.contendedUntil) this.lease(peer, want, out);
    reply.ok(out);
    this.admitPutters();
  }

  /** Moves items into `out` (up to `want` in all) as a lease the hub keeps until reported taken. */
  private lease(peer: Peer, want: number, out: Uint8Array[]): void {
    let lease = this.leases.get(peer);
    let bytes = 0;
    for (const b of out) bytes += b.length;
    // Big items go a few at a time: one huge answer costs more in copies than it saves in trips.
    while (out.length < want && this.items.length > 0 && bytes < MAX_LEASE_BYTES) {
      bytes += this.items.peek()!.length;
      const item = this.items.shift()!;
      out.push(item);
      if (!lease) {
        lease = [];
        this.leases.set(peer, lease);
      }
      lease.push(item);
      this.leased++;
    }
  }

  private serve(): void {
    while (this.items.length > 0) {
      const w = this.getters.shift();
      if (!w) break;
      this.hand(w.peer, w.reply, this.getters.length === 0 ? w.data : 1);
    }
  }

  private admitPutters(): void {
    while (this.size < this.maxsize) {
      const w = this.putters.shift();
      if (!w) return;
      this.accept(w.data);
      w.reply.ok();
    }
  }

  /** Another consumer holds leased items while `peer` has to wait: ask for them back. */
  private recallFor(peer: Peer): void {
    for (const [holder, lease] of this.leases) {
      if (holder === peer || lease.length === 0 || this.recalled.has(holder)) continue;
      this.recalled.add(holder);
      this.contendedUntil = Date.now() + CONTENDED_MS;
      holder.push(this.id, 'recall', []);
    }
  }

  peerGone(peer: Peer): void {
    this.peers.delete(peer);
    this.told.delete(peer);
    this.getters.dropPeer(peer);
    this.putters.dropPeer(peer);
    this.joiners.dropPeer(peer);
    this.recalled.delete(peer);
    // A consumer gone before reporting what it dropped: nobody will take those items.
    const pending = this.discarding.get(peer);
    if (pending !== undefined) {
      this.discarding.delete(peer);
      this.countDone(pending);
    }
    const lease = this.leases.get(peer);
    if (lease) {
      this.leases.delete(peer);
      this.leased -= lease.length;
      for (let i = lease.length - 1; i >= 0; i--) this.items.unshift(lease[i]!);
      this.serve();
    }
  }
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0;
}

function shutDownError(): Error {
  return new ShutDown('the queue was shut down');
}
