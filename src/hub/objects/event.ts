// Event: a flag; wait() answers at once when set, else when set() comes or the timeout ends.
import { errors } from '../../errors.js';
import type { HubObject, Peer } from '../hub-object.js';
import type { EventOps, OpCall } from '../ops.js';
import { WaitList, wireTimeout } from '../wait-list.js';

export class EventObject implements HubObject {
  readonly type = 'Event';
  private flag = false;
  private readonly waiters = new WaitList();

  call(peer: Peer, ...[op, args, reply]: OpCall<EventOps>): void {
    switch (op) {
      case 'set':
        this.flag = true;
        for (const w of this.waiters.drain()) w.reply.ok(true);
        reply.ok();
        return;
      case 'clear':
        this.flag = false;
        reply.ok();
        return;
      case 'isSet':
        reply.ok(this.flag);
        return;
      case 'wait': {
        const timeout = wireTimeout(args[0]);
        if (this.flag) reply.ok(true);
        else if (timeout === 0) reply.ok(false);
        else this.waiters.add(peer, reply, undefined, timeout, (w) => w.reply.ok(false));
        return;
      }
      default:
        throw errors.unknownOperation(`Event has no operation '${op}'`);
    }
  }

  peerGone(peer: Peer): void {
    this.waiters.dropPeer(peer);
  }
}
