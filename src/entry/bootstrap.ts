// Entry point of every worker (child process or thread). Joins the channel to the parent,
// takes its identity from INIT, then runs as a Process child or a Pool worker. A pool worker
// loads only what it runs (~270 KB): a Process child's and a manager's code, and the proxy
// classes, load when needed.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Channel, type Message } from '../channel/channel.js';
import { portTransport, socketTransport } from '../channel/transport.js';
import { attachParent } from '../connection/router.js';
import { loadSharedTypes, loadSharedTypesOnDemand } from '../codec/codec.js';
import { poolWorker } from '../pool/worker-main.js';
import { getLogger } from '../runtime/logging.js';
import { M, type InitData } from '../protocol/runtime.js';
import { setStartMethod, VERIFIED_ADDON_ENV } from '../runtime/start-method.js';
import { runtimeState } from '../util/state.js';
import { fileProgressWriter, segmentProgressWriter, sharedProgressWriter } from '../runtime/progress.js';
import { lazyNet } from '../util/builtins.js';
import { runExitHooks } from '../runtime/exit-hooks.js';
import { nativeAddon, useVerifiedAddon } from '../native/addon.js';
import { reportFatalErrorsTo } from '../runtime/oom.js';

// Every proxy class loads with the first message that carries a shared object (codec.ts), not
// at start: a worker whose tasks never see one does not parse them.
loadSharedTypesOnDemand(() => import('./all-types.js'));

const data = workerData as { multiproc?: boolean; progress?: SharedArrayBuffer } | null;
const inThread = !isMainThread && data?.multiproc === true;
const threadProgress = inThread && data?.progress ? sharedProgressWriter(data.progress) : undefined;
const transport = inThread ? portTransport(parentPort!, 'close') : socketTransport(new (lazyNet().Socket)({ fd: 3, readable: true, writable: true }));
const channel = new Channel(transport);
// A process child dies with its parent even when stuck (PR_SET_PDEATHSIG). The parent it had
// at this moment is checked against INIT: if they differ, the parent died before this call.
const parentAtStart = inThread ? 0 : process.ppid;
// The addon file the parent verified (runtime/spawn.ts), taken out of the environment before any
// user code runs: loaded without hashing its sources again.
const verifiedAddon = inThread ? undefined : process.env[VERIFIED_ADDON_ENV];
if (verifiedAddon !== undefined) {
  delete process.env[VERIFIED_ADDON_ENV];
  useVerifiedAddon(verifiedAddon);
}
if (!inThread) nativeAddon()?.setPdeathsig(9);
let exiting = false;

/** Flushes what this worker sent, then ends it with `code`. */
async function exit(code: number): Promise<never> {
  exiting = true;
  await runExitHooks();
  await channel.drain();
  process.exit(code);
}

// A task calling process.exit(): results batched before it still leave (a synchronous
// last write; a kill gives no such chance, and those tasks then reject as lost).
process.on('exit', () => channel.flush());

// The parent is gone (or closed us): nobody is left to report to, so end now (no orphans).
channel.onClose(() => {
  if (!exiting) process.exit(1);
});

let handler: ((msg: Message) => void) | null = null;
// A manager's server (and the hub it serves) loads only in a manager process: a pool worker
// does not parse it. What arrives while it loads waits here, in order.
let waiting: Message[] | null = null;
attachParent(channel, (msg) => {
  if (handler) {
    handler(msg);
    return;
  }
  if (waiting) {
    waiting.push(msg);
    return;
  }
  if (msg[0] !== M.INIT) return;
  const init = msg[1] as InitData;
  const state = runtimeState();
  Object.assign(state, {
    isWorker: true,
    name: init.name,
    identity: init.identity,
    daemon: init.daemon,
    address: init.address,
    parent: init.parent,
    tsxApi: init.tsxApi,
    childCounter: 0,
    authKey: init.authKey,
  });
  const log = getLogger();
  log.level = init.log.level;
  log.toStderr = init.log.toStderr;
  setStartMethod(init.startMethod as 'process' | 'thread', { force: true });
  if (!inThread) {
    if (parentAtStart !== init.parent.pid) process.exit(1);
    if (init.fatalReport) reportFatalErrorsTo(init.fatalReport);
    // Belt and braces for platforms without PR_SET_PDEATHSIG: notice a new parent.
    setInterval(() => {
      if (process.ppid !== init.parent.pid) process.exit(1);
    }, 500).unref();
  }
  const progress =
    threadProgress ??
    (init.progressShm !== undefined ? segmentProgressWriter(init.progressShm) : undefined) ??
    (init.progressFd !== undefined ? fileProgressWriter(init.progressFd) : undefined);
  if (init.role === 'pool') {
    handler = poolWorker(init, channel, exit, progress);
    return;
  }
  // A Process child's code (the Process class, its own children) and a manager's server load
  // only in such a worker; what arrives meanwhile waits here, in order. A manager's hub decodes
  // its clients' messages as untrusted (synchronously): every shared type first.
  const queued: Message[] = (waiting = []);
  const role = init.role;
  const loading: Promise<(msg: Message) => void> =
    role === 'process'
      ? import('../process/child-main.js').then(({ processChild }) => processChild(init, channel, exit))
      : Promise.all([import('../manager/server-main.js'), loadSharedTypes()]).then(([{ managerServer }]) => managerServer(init, channel, exit));
  loading.then(
    (h) => {
      handler = h;
      waiting = null;
      for (const m of queued) h(m);
    },
    (e: unknown) => {
      // A Process child fails as it did when its code loaded with the bootstrap: an uncaught
      // error (a thread's parent reads EMFILE on our own files as a failed start, spawn.ts).
      if (role === 'process') {
        setImmediate(() => {
          throw e;
        });
        return;
      }
      process.stderr.write(`multiproc: a manager process could not load its server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      void exit(1);
    },
  );
});
