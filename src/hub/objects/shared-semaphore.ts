// A Semaphore or BoundedSemaphore whose value lives in shared memory (shm/semaphore-words.ts),
// with the hub as its waiting room, like shared-lock.ts for locks: processes take and give
// units with one compare-and-swap and no message while nobody waits; once the value is 0 an
// acquirer queues here and units are handed out in arrival order. No wake-up is lost: a
// releaser adds its unit then reads the waiters flag; the hub sets the flag then tries to take
// a unit for the head waiter. The hub hands a unit over by taking it from the value and
// answering true; the acquirer records it in its holder slot when the answer arrives.
// While someone waits, units held by processes that are gone are given back.
import { misuse } from '../../errors.js';
import type { Segment } from '../../shm/segment.js';
import { VALUE, WAITERS, reapDeadHolders, takeUnit } from '../../shm/semaphore-words.js';
import type { HubObject, Peer, Reply } from '../hub-object.js';
import { WaitList, wireTimeout } from '../wait-list.js';

const CHECK_MS = 200;

export class SharedSemaphoreObject implements HubObject {
  private readonly a: Int32Array;
  private readonly queue = new WaitList();
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly type: 'Semaphore' | 'BoundedSemaphore', seg: Segment) {
    this.a = new Int32Array(seg.sab);
  }

  call(peer: Peer, op: string, args: unknown[], reply: Reply): void {
    switch (op) {
      case 'acquire': {
        const timeout = wireTimeout(args[0]);
        Atomics.store(this.a, WAITERS, 1);
        if (this.queue.length === 0 && takeUnit(this.a)) { this.settle(); reply.ok(true); return; }
        if (timeout === 0) { this.settle(); reply.ok(false); return; }
        this.queue.add(peer, reply, undefined, timeout, (w) => { w.reply.ok(false); this.settle(); });
        this.watch();
        return;
      }
      case 'released': this.handOn(); reply.ok(); return;
      case 'value': reply.ok(Atomics.load(this.a, VALUE)); return;
      default: throw misuse('ERR_UNKNOWN_OPERATION', `${this.type} has no operation '${op}'`);
    }
  }

  note(_peer: Peer, op: string): void { if (op === 'released') this.handOn(); }

  /** Gives free units to the waiters in line, first come first served. */
  private handOn(): void {
    for (;;) {
      const head = this.queue.peek();
      if (!head || !takeUnit(this.a)) break;
      this.queue.shift();
      head.reply.ok(true);
    }
    this.settle();
  }

  /** Clears the waiters flag once the line is empty. */
  private settle(): void {
    if (this.queue.length > 0) return;
    Atomics.store(this.a, WAITERS, 0);
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
  }

  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.reap(), CHECK_MS);
    this.timer.unref();
  }

  private reap(): void {
    if (reapDeadHolders(this.a) > 0) this.handOn();
  }

  peerGone(peer: Peer): void {
    this.queue.dropPeer(peer);
    setTimeout(() => this.reap(), 20).unref();
    this.settle();
  }
}
