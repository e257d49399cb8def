// A Semaphore or BoundedSemaphore whose value lives in shared memory (shm/semaphore-words.ts),
// with the hub as its waiting room, like shared-lock.ts for locks: processes take and give
// units with one compare-and-swap and no message while nobody waits; once the value is 0 an
// acquirer queues here and units are handed out in arrival order. No wake-up is lost: a
// releaser adds its unit then reads the waiters flag; the hub sets the flag then tries to take
// a unit for the head waiter. The hub hands a unit over by taking it from the value and
// answering true, and for a BoundedSemaphore records it in the holder table first. While
// someone waits, a BoundedSemaphore's units held by processes that are gone are given back.
import { errors } from '../../errors.js';
import type { Segment } from '../../shm/segment.js';
import { VALUE, WAITERS, noteTaken, reapDeadHolders, takeUnit } from '../../shm/semaphore-words.js';
import { identityOf, type Identity } from './shared-lock.js';
import type { HubObject, Peer } from '../hub-object.js';
import type { OpCall, SharedSemaphoreOps } from '../ops.js';
import { wireTimeout } from '../wait-list.js';
import { WaitingRoom } from './waiting-room.js';

export class SharedSemaphoreObject implements HubObject {
  private readonly a: Int32Array;
  private readonly room: WaitingRoom<Identity>;

  constructor(
    readonly type: 'Semaphore' | 'BoundedSemaphore',
    seg: Segment,
  ) {
    this.a = new Int32Array(seg.sab);
    this.room = new WaitingRoom(this.a, WAITERS, () => {
      if (reapDeadHolders(this.a) > 0) this.handOn();
    });
  }

  call(peer: Peer, ...[op, args, reply]: OpCall<SharedSemaphoreOps>): void {
    switch (op) {
      case 'acquire': {
        const timeout = wireTimeout(args[0]);
        const id = identityOf(args, 1);
        this.room.admit(peer, reply, id, timeout, () => {
          if (!takeUnit(this.a)) return false;
          this.granted(id);
          return true;
        });
        return;
      }
      case 'released':
        this.handOn();
        reply.ok();
        return;
      case 'value':
        reply.ok(Atomics.load(this.a, VALUE));
        return;
      default:
        throw errors.unknownOperation(`${this.type} has no operation '${op}'`);
    }
  }

  note(_peer: Peer, op: string): void {
    if (op === 'released') this.handOn();
  }

  /** A unit taken for `id`: a BoundedSemaphore records it before the answer leaves (a waiter that dies now still gives it back). */
  private granted(id: Identity): void {
    if (this.type === 'BoundedSemaphore') noteTaken(this.a, id[0], id[1]);
  }

  /** Gives free units to the waiters in line, first come first served. */
  private handOn(): void {
    for (;;) {
      const head = this.room.line.peek();
      if (!head || !takeUnit(this.a)) break;
      this.room.line.shift();
      this.granted(head.data);
      head.reply.ok(true);
    }
    this.room.settle();
  }

  peerGone(peer: Peer): void {
    this.room.peerGone(peer);
  }

  dispose(): void {
    this.room.stop();
  }
}
