// Raw Node floor for threads: a worker_thread that echoes every message (worker.postMessage).
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => parentPort.postMessage(m));
