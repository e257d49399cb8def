// A manager's set (Python 3.14's SyncManager.set()): elements are primitives, decoded as dict
// keys are (never running code), so 2 and '2' stay different elements. Each element keeps the
// bytes it was sent as, to hand back exactly.
import { errors } from '../../errors.js';
import type { HubObject, Peer } from '../hub-object.js';
import type { OpCall, SetOps } from '../ops.js';
import { bytes, decodeKey, noOp } from './containers.js';

export class SetObject implements HubObject {
  readonly type = 'set';
  private readonly elements = new Map<unknown, Uint8Array>();

  constructor(init: unknown[] = []) {
    for (const b of init) this.add(b);
  }

  private add(b: unknown): void {
    const k = decodeKey(b);
    if (!this.elements.has(k)) this.elements.set(k, bytes(b, 'element'));
  }

  call(_peer: Peer, ...[op, a, reply]: OpCall<SetOps>): void {
    switch (op) {
      case 'add':
        this.add(a[0]);
        reply.ok();
        return;
      case 'update':
        for (const b of Array.isArray(a[0]) ? a[0] : []) this.add(b);
        reply.ok();
        return;
      case 'has':
        reply.ok(this.elements.has(decodeKey(a[0])));
        return;
      case 'discard':
        reply.ok(this.elements.delete(decodeKey(a[0])));
        return;
      case 'remove':
        if (!this.elements.delete(decodeKey(a[0]))) throw errors.valueNotFound('remove(): the element is not in the set (discard() ignores a missing one)');
        reply.ok();
        return;
      case 'pop': {
        const first = this.elements.entries().next();
        if (first.done) throw errors.outOfRange('pop(): the set is empty');
        this.elements.delete(first.value[0]);
        reply.ok(first.value[1]);
        return;
      }
      case 'size':
        reply.ok(this.elements.size);
        return;
      case 'clear':
        this.elements.clear();
        reply.ok();
        return;
      case 'values':
        reply.ok([...this.elements.values()]);
        return;
      default:
        throw noOp(this.type, op);
    }
  }

  peerGone(): void {}
}
