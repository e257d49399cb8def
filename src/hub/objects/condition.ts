// Condition over a lock of the same hub. wait() releases the lock, waits for notify (or its
// timeout), then takes the lock back before answering, all here, so no notify falls between.
import { errors, lockMisuse } from '../../errors.js';
import type { HubObject, ObjectTable, Peer, Reply } from '../hub-object.js';
import type { ConditionOps, OpCall } from '../ops.js';
import { WaitList, wireTimeout } from '../wait-list.js';
import { LockObject } from './lock.js';
import { SharedLockObject, identityOf, type Identity } from './shared-lock.js';

export class ConditionObject implements HubObject {
  readonly type = 'Condition';
  private readonly waiters = new WaitList<[number, Identity]>();

  constructor(
    private readonly table: ObjectTable,
    private readonly lockId: string,
  ) {}

  private lock(): LockObject | SharedLockObject {
    const lock = this.table.get(this.lockId);
    if (!(lock instanceof LockObject) && !(lock instanceof SharedLockObject)) throw errors.invalidArgValue('the lock of this Condition is missing from its hub', { as: 'Error' });
    return lock;
  }

  private checkOwner(peer: Peer, id: Identity, what: string): LockObject | SharedLockObject {
    const lock = this.lock();
    if (!lock.holds(peer, id)) throw lockMisuse.conditionNotOwner(what);
    return lock;
  }

  call(peer: Peer, ...[op, args, reply]: OpCall<ConditionOps>): void {
    switch (op) {
      case 'wait': {
        const timeout = wireTimeout(args[0]);
        const id = identityOf(args, 1);
        const lock = this.checkOwner(peer, id, 'wait');
        this.counted(lock, 1);
        const saved = lock.releaseAll(peer, id);
        // Woken (true) or timed out (false): either way the lock is ours again before we answer.
        const reacquire = (w: { peer: Peer; reply: Reply; data: [number, Identity] }, result: boolean) =>
          lock.restore(w.peer, w.data[0], w.reply, () => w.reply.ok(result), w.data[1]);
        this.waiters.add(peer, reply, [saved, id], timeout, (w) => {
          this.counted(lock, -1);
          reacquire(w, false);
        });
        return;
      }
      case 'notify': {
        const lock = this.checkOwner(peer, identityOf(args, 1), 'notify');
        // n: how many to wake; null wakes all (notifyAll).
        let n = args[0] === null ? Infinity : typeof args[0] === 'number' ? args[0] : 1;
        while (n-- > 0) {
          const w = this.waiters.shift();
          if (!w) break;
          this.counted(lock, -1);
          lock.restore(w.peer, w.data[0], w.reply, () => w.reply.ok(true), w.data[1]);
        }
        reply.ok();
        return;
      }
      default:
        throw errors.unknownOperation(`Condition has no operation '${op}'`);
    }
  }

  /** Keeps the count of Condition waiters in a shared-memory lock's words (see SharedLockObject). */
  private counted(lock: LockObject | SharedLockObject, n: number): void {
    if (lock instanceof SharedLockObject) lock.conditionWaiters(n);
  }

  peerGone(peer: Peer): void {
    const gone = this.waiters.dropPeer(peer).length;
    const lock = this.table.get(this.lockId);
    if (gone > 0 && lock instanceof SharedLockObject) lock.conditionWaiters(-gone);
  }
}
