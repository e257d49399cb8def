// Inside a manager's server process: serve a hub at the requested address until shutdown.
// The registered callables were named by the program that started this process (trusted);
// clients can only ask for those typeids.
import type { Channel, Message } from '../channel/channel.js';
import { encode } from '../codec/codec.js';
import { resolveFnRef } from '../functions/resolve.js';
import type { FnRef } from '../functions/reference.js';
import { Hub } from '../hub/server.js';
import type { TypeEntry } from '../hub/objects/registered.js';
import { M, type InitData } from '../protocol/runtime.js';

export function managerServer(init: InitData, channel: Channel, exit: (code: number) => Promise<never>): (msg: Message) => void {
  let hub: Hub | null = null;
  const stop = () => {
    hub?.close();
    void exit(0);
  };
  void (async () => {
    const spec = init.manager!;
    const registry = new Map<string, TypeEntry>();
    for (const e of spec.registry) {
      registry.set(e.typeid, {
        callable: e.callable ? await resolveFnRef(e.callable as FnRef) : null,
        exposed: e.exposed,
        methodToTypeid: e.methodToTypeid,
      });
    }
    hub = new Hub({ key: spec.key, registry, maxMessageSize: spec.maxMessageSize, handshakeTimeout: spec.handshakeTimeout, onShutdown: stop });
    const address = await hub.listen(spec.address);
    channel.send([M.READY, address]);
  })().catch((e: unknown) => {
    channel.send([M.INIT_FAILED, encode(e, 'error')]);
    void exit(1);
  });
  return (msg) => {
    if (msg[0] === M.STOP) stop();
  };
}
