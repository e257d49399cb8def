// Entry of the hub thread (see local-hub.ts).
import { workerData } from 'node:worker_threads';
import { Hub } from './server.js';

const data = workerData as { path: string; key: Uint8Array };
const hub = new Hub({ key: data.key, attachCreates: true });
void hub.listen({ path: data.path });
