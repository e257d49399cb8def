// Entry of the hub thread (see local-hub.ts).
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Hub } from '../hub/server.js';

const data = workerData as { path: string; key: Uint8Array; port?: unknown };
const hub = new Hub({ key: data.key, attachCreates: true });
// The thread that started this one talks to it over this port (see hub/port-link.ts).
if (data.port instanceof MessagePort) hub.servePort(data.port);
// Tells local-hub.ts it serves (before that, a failure to start can be retried); a listen that
// fails (EMFILE) ends this thread with that error.
void hub.listen({ path: data.path }).then(() => parentPort?.postMessage('listening'));
