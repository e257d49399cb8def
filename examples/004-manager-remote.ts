// Seed 004, Managers ("local and remote concurrency"; a manager can serve other programs over the network): this program serves a Queue on 127.0.0.1 with an authKey through a BaseManager subclass whose registered 'getQueue' returns it; a second program (examples/_remote-client.ts, started here as a separate `node` process that shares nothing with this one but the address and the key) connects with the same key, puts 'hello' through its proxy and waits for a reply; this program takes 'hello' from its own queue, puts 'hello back', waits for the client to exit and shuts the server down.
// (port 0 lets the OS pick a free port; the client gets it on its command line.)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BaseManager, Queue, isMainEntry } from 'multiproc';

export const AUTH_KEY = 'abracadabra';

export class QueueManager extends BaseManager {}

if (isMainEntry(import.meta.url)) {
  const queue = new Queue<string>();
  QueueManager.register('getQueue', () => queue, { exposed: ['put', 'get', 'qsize'] });
  const m = new QueueManager({ address: { host: '127.0.0.1', port: 0 }, authKey: AUTH_KEY });
  const serving = m.serveForever();
  // serveForever() resolves only at shutdown; the port is known once it listens.
  while (!m.address || !('port' in m.address) || m.address.port === 0) await sleep(5);
  const { host, port } = m.address;
  console.log(`server: serving on ${host}:${port}`);

  // The second program: node, with the same loader (tsx) as this one.
  const clientFile = fileURLToPath(new URL('./_remote-client.ts', import.meta.url));
  const client = spawn(process.execPath, [...process.execArgv, clientFile, host, String(port)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = once(client, 'exit');

  // (If the client fails, stop waiting for its message.)
  const item = await Promise.race([
    queue.get(),
    exited.then(([c]) => {
      throw new Error(`the client exited with code ${c} before putting anything`);
    }),
  ]);
  console.log(`server: got '${item}' from the other program`);
  await queue.put(`${item} back`);

  const [code] = await exited;
  console.log(`server: the other program exited with code ${code}`);
  await m.shutdown();
  await serving;
  console.log('server: shut down');
}
