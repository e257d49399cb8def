// The hub of this thread's plain shared objects (`new Queue()`, `new Lock()`, ...), started on
// first use in a worker thread so it keeps serving children while this thread is busy in
// synchronous code. It listens on an abstract Unix socket (nothing on disk to clean up) and
// accepts only peers that know the program's key. It never keeps the program alive. The
// thread that started it talks to it over a MessagePort instead (port-link.ts): once the hub
// serves, the first link of this thread to it takes that port.
import { randomBytes } from 'node:crypto';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { programAuthKey } from '../runtime/auth-key.js';
import { globalSingleton } from '../util/state.js';
import type { HubTarget } from './client.js';
import { sameHubAddress, type HubAddress } from '../protocol/hub.js';

// The bundle has hub-thread.js beside it; the sources (tests run them under tsx) have it in entry/.
const hubThreadUrl = new URL(import.meta.url.endsWith('.ts') ? '../entry/hub-thread.js' : './hub-thread.js', import.meta.url);

interface LocalHub {
  target: HubTarget;
  worker: Worker | null;
  ids: number;
  failedStarts: number;
  /** This thread's end of the port to the hub thread, until a link takes it. */
  port: MessagePort | null;
  /** Resolves true once the hub thread serves, false when this start failed. */
  ready: Promise<boolean> | null;
}
const local = globalSingleton('localHub', () => ({ hub: null as LocalHub | null }));

function plan(): LocalHub {
  const path = `\0multiproc-${process.pid}-${randomBytes(8).toString('hex')}`;
  return { target: { address: { path }, key: null, owner: 'the process that created it', patient: true }, worker: null, ids: 0, failedStarts: 0, port: null, ready: null };
}

/** The local hub's address, and a fresh object id in it (the thread starts on first use: ensureLocalHub). */
export function localObject(): { target: HubTarget; id: string } {
  const hub = (local.hub ??= plan());
  return { target: hub.target, id: `l${++hub.ids}` };
}

/** Starts the hub thread if `target` is this thread's local hub and it is not running yet. */
export function ensureLocalHub(target: HubTarget): void {
  const hub = local.hub;
  if (!hub || hub.worker || hub.target !== target) return;
  const path = (target.address as { path: string }).path;
  let worker: Worker;
  const { port1, port2 } = new MessageChannel();
  port1.unref();
  let settle!: (ok: boolean) => void;
  const ready = new Promise<boolean>((r) => (settle = r));
  const failed = () => {
    settle(false);
    if (hub.port === port1) hub.port = null;
    port1.close();
  };
  try {
    worker = new Worker(hubThreadUrl, { workerData: { multiprocHub: true, path, key: programAuthKey(), port: port2 }, transferList: [port2], execArgv: [] });
  } catch {
    failed();
    startAgainLater(hub, target);
    return;
  }
  hub.port = port1;
  hub.ready = ready;
  worker.unref();
  let listening = false;
  worker.once('message', () => {
    listening = true;
    hub.failedStarts = 0;
    settle(true);
  });
  worker.once('exit', () => {
    if (!listening) failed();
  });
  worker.on('error', (e) => {
    // It could not start for want of descriptors (its event loop, its code, its socket):
    // nothing was served yet, so starting it again loses nothing. Clients keep retrying.
    const code = (e as { code?: unknown } | null)?.code;
    if (!listening) failed();
    if (!listening && (code === 'ERR_WORKER_INIT_FAILED' || code === 'EMFILE' || code === 'ENFILE')) {
      startAgainLater(hub, target);
      return;
    }
    process.stderr.write(`multiproc: the shared-object hub thread failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  });
  hub.worker = worker;
}

/**
 * The port to this thread's own hub thread at `target`, taken by the first link, with a promise
 * of whether that thread serves; null when `target` is not that hub or the port was taken (the
 * link then connects to the socket, patiently, as other processes do).
 */
export function takeLocalHubPort(target: HubTarget): { port: MessagePort; ready: Promise<boolean> } | null {
  const hub = local.hub;
  if (!hub || hub.target !== target || !hub.ready || !hub.port) return null;
  const port = hub.port;
  hub.port = null;
  return { port, ready: hub.ready };
}

/** The hub thread could not start: try again after a delay that doubles up to 1 s. */
function startAgainLater(hub: LocalHub, target: HubTarget): void {
  hub.worker = null;
  hub.ready = null;
  const delay = Math.min(1000, 20 * 2 ** Math.min(hub.failedStarts++, 6));
  setTimeout(() => ensureLocalHub(target), delay).unref();
}

/** Whether `address` is this thread's own local hub (where this program's key goes to itself). */
export function isLocalHubAddress(address: HubAddress): boolean {
  return local.hub !== null && sameHubAddress(local.hub.target.address, address);
}
