// The second program of 004-manager-remote.ts (not run by run-all on its own):
// `node --import tsx examples/_remote-client.ts <host> <port>` connects to the QueueManager
// served there, with the same authKey, and talks through the served queue.
import { BaseManager, isMainEntry, type Queue, type RemoteProxy } from 'multiproc';

const AUTH_KEY = 'abracadabra';

class QueueManager extends BaseManager {
  declare getQueue: () => Promise<RemoteProxy<Queue<string>>>;
}
// No callable here: the server has it.
QueueManager.register('getQueue');

if (isMainEntry(import.meta.url)) {
  const [host = '127.0.0.1', port = '50000'] = process.argv.slice(2);
  const address = { host, port: Number(port) };

  const m = new QueueManager({ address, authKey: AUTH_KEY });
  await m.connect();
  console.log('client: connected');
  const queue = await m.getQueue();
  await queue.put('hello');
  console.log("client: put 'hello'");
  console.log(`client: got '${await queue.get()}'`);
}
