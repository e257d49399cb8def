// Entry of the hub thread (see local-hub.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { Hub } from '../hub/server.js';

const data = workerData as { path: string; key: Uint8Array };
const hub = new Hub({ key: data.key, attachCreates: true });
// Tells local-hub.ts it serves (before that, a failure to start can be retried); a listen that
// fails (EMFILE) ends this thread with that error.
void hub.listen({ path: data.path }).then(() => parentPort?.postMessage('listening'));
