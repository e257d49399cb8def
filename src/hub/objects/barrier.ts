// Barrier: `parties` waiters pass together. The last to arrive runs the action (in its own
// process, where the function is) and reports back; only then are all released. A timeout,
// abort(), an action that throws, or a waiter whose process dies breaks the barrier.
import { BrokenBarrierError, errors } from '../../errors.js';
import type { HubObject, Peer } from '../hub-object.js';
import type { BarrierOps, OpCall, OpReply } from '../ops.js';
import { WaitList, wireTimeout, type Waiter } from '../wait-list.js';

const broken = () => new BrokenBarrierError('the barrier is broken (aborted, reset, timed out, or a waiter died); call reset() to use it again');

export class BarrierObject implements HubObject {
  readonly type = 'Barrier';
  private readonly waiters = new WaitList<number>();
  /** Arrivals while the action runs: they belong to the next pass. */
  private readonly early: { peer: Peer; reply: OpReply<BarrierOps['wait']['result']>; args: BarrierOps['wait']['args'] }[] = [];
  private isBroken = false;
  /** The waiter running the action: the others are released when it reports. */
  private acting: Waiter<number> | null = null;

  constructor(
    private readonly parties: number,
    private readonly hasAction: boolean,
    private readonly defaultTimeout: number | null,
  ) {
    if (!Number.isInteger(parties) || parties < 1) throw new RangeError('parties must be an integer >= 1');
  }

  call(peer: Peer, ...[op, args, reply]: OpCall<BarrierOps>): void {
    switch (op) {
      case 'wait': {
        if (this.isBroken) throw broken();
        if (this.acting) {
          this.early.push({ peer, reply, args });
          return;
        }
        const timeout = args[0] === undefined ? this.defaultTimeout : wireTimeout(args[0]);
        const index = this.waiters.length;
        if (index + 1 < this.parties) {
          // The waiter that timed out breaks the barrier for everyone, itself included.
          this.waiters.add(peer, reply, index, timeout, (w) => {
            this.break();
            w.reply.fail(broken());
          });
          return;
        }
        if (this.hasAction) {
          // [index, true]: run the action, then call 'actionDone'.
          this.acting = { peer, reply, data: index, timer: null };
          reply.ok([index, true]);
          return;
        }
        this.release();
        reply.ok([index, false]);
        return;
      }
      case 'actionDone': {
        if (!this.acting || this.acting.peer !== peer) throw errors.invalidState('no barrier action is running in this process');
        this.acting = null;
        if (args[0] === true) this.release();
        else this.break();
        reply.ok();
        return;
      }
      case 'abort':
        this.break();
        reply.ok();
        return;
      case 'reset':
        this.break();
        this.isBroken = false;
        reply.ok();
        return;
      case 'nWaiting':
        reply.ok(this.waiters.length);
        return;
      case 'broken':
        reply.ok(this.isBroken);
        return;
      default:
        throw errors.unknownOperation(`Barrier has no operation '${op}'`);
    }
  }

  private release(): void {
    for (const w of this.waiters.drain()) w.reply.ok([w.data, false]);
    this.admitEarly();
  }

  private break(): void {
    this.isBroken = true;
    this.acting = null;
    for (const w of this.waiters.drain()) w.reply.fail(broken());
    this.admitEarly();
  }

  /** Arrivals held during an action now wait for the next pass (or learn it broke). */
  private admitEarly(): void {
    for (const e of this.early.splice(0)) {
      if (e.peer.closed) continue;
      try {
        this.call(e.peer, 'wait', e.args, e.reply);
      } catch (err) {
        e.reply.fail(err as Error);
      }
    }
  }

  peerGone(peer: Peer): void {
    for (let i = this.early.length - 1; i >= 0; i--) if (this.early[i]!.peer === peer) this.early.splice(i, 1);
    const lostActor = this.acting?.peer === peer;
    if (this.waiters.dropPeer(peer).length > 0 || lostActor) this.break();
  }
}
