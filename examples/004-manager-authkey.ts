// Seed 004, Managers over the network, the authKey: a Manager() serves on 127.0.0.1 with authKey 'abracadabra'; clients that connect() to its address with a wrong key are refused with AuthenticationError (before and after a client with the right key connected), and the client with the right key creates a Queue there and makes a round trip through it.
import { AuthenticationError, Manager, SyncManager, isMainEntry } from 'multiproc';

if (isMainEntry(import.meta.url)) {
  await using manager = await Manager({ address: { host: '127.0.0.1', port: 0 }, authKey: 'abracadabra' });
  const address = manager.address!;
  for (const authKey of ['not the key', 'abracadabra', 'not the key either']) {
    const client = new SyncManager({ address, authKey });
    try {
      await client.connect();
      const q = await client.Queue<string>();
      await q.put(`put with key '${authKey}'`);
      console.log(`key '${authKey}': connected; queue round trip: ${await q.get()}`);
      await client.shutdown(); // a connected client only closes its connection
    } catch (e) {
      console.log(`key '${authKey}': refused with ${(e as Error).name} (instanceof AuthenticationError: ${e instanceof AuthenticationError})`);
    }
  }
}
