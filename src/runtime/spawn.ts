// Starts one worker (child process or thread) running the bootstrap, joined by a channel.
// Exit is reported once, as CPython reports it: exitCode, or -N for signal N.
import fs from 'node:fs';
import os from 'node:os';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Channel } from '../channel/channel.js';
import { portTransport, socketTransport, type Transport } from '../channel/transport.js';
import { errors } from '../errors.js';
import { M, type InitData } from '../protocol/runtime.js';
import { VERIFIED_ADDON_ENV, type StartMethod } from './start-method.js';
import { fileProgress, segmentProgress, sharedProgress, type ProgressReader } from './progress.js';
import { lazyChildProcess } from '../util/builtins.js';
import { programAuthKey } from './auth-key.js';
import { workerThreadExited } from './exit-hooks.js';
import { addonFile, nativeAddon } from '../native/addon.js';
import { diedOutOfMemory, fatalReportPath, OOM_CODE } from './oom.js';

export interface ExitInfo {
  exitCode: number;
  signal: string | null;
  /** It ran out of memory (its heap limit, or the default one): runtime/oom.ts. */
  outOfMemory: boolean;
  /**
   * It never started: the spawn (or the Worker) failed, e.g. EMFILE with no free file
   * descriptor. An ERR_WORKER_START error whose `cause` is the system's error (its errno).
   */
  startError?: Error;
}

export interface WorkerLimits {
  /** Heap limit in MB: --max-old-space-size for a child process, resourceLimits for a thread. */
  maxMemoryMb?: number;
}

export interface WorkerHandle {
  readonly method: StartMethod;
  readonly channel: Channel;
  readonly pid: number;
  readonly threadId: number | undefined;
  /**
   * Pool workers: where the worker records the sequence number of the task it starts, so
   * results can travel in batches and a death is still attributed exactly (runtime/progress.ts).
   */
  readonly progress: ProgressReader | undefined;
  /**
   * A Process thread: its end of a MessagePort for routed (Pipe) messages, with the shared
   * byte counters of both directions (connection/route-port.ts; the thread has the other end).
   */
  readonly routePort?: { port: MessagePort; counters: SharedArrayBuffer };
  exit: ExitInfo | null;
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM or SIGKILL for a process; stops a thread and reports that signal. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): void;
  ref(): void;
  unref(): void;
}

// The bundle has bootstrap.js beside it; the sources (tests run them under tsx) have it in entry/.
const fromSources = import.meta.url.endsWith('.ts');
const bootstrapUrl = new URL(fromSources ? '../entry/bootstrap.js' : './bootstrap.js', import.meta.url);
/** Where the bootstrap and the chunks it loads live. */
const ownCodeDir = fileURLToPath(new URL('./', import.meta.url));

/** Flags of this process that a child must not repeat (test runner, inspector, eval). */
function childExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^--(test|watch|inspect|debug)/.test(a) || a.startsWith('--experimental-test')) continue;
    if (['-e', '--eval', '-p', '--print', '--input-type'].includes(a)) {
      i++;
      continue;
    }
    if (/^--(eval|print|input-type)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}

// PR_SET_PDEATHSIG, so a child stuck in synchronous code or a blocking wait still dies with
// its parent: set by the child through the native addon, or else through util-linux's setpriv.
// Where both are missing, the child notices the closed channel instead.

const setpriv = os.platform() === 'linux' && fs.existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;

function signalNumber(signal: string): number {
  return (os.constants.signals as Record<string, number>)[signal] ?? 0;
}

export function startWorker(method: StartMethod, data: InitData, limits: WorkerLimits = {}): WorkerHandle {
  try {
    return method === 'thread' ? startThread(data, limits) : startProcess(data, limits);
  } catch (e) {
    // A system error thrown at once (a Worker or spawn without resources): the same report as
    // a spawn that fails later, so callers handle one path. Anything else is a bug: thrown.
    if (isSystemError(e)) return failedStart(method, Promise.resolve(e));
    throw e;
  }
}

/** An error with an errno code (EMFILE, EAGAIN...), not a library or argument error. */
function isSystemError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

function outOfDescriptors(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE' || (e instanceof Error && /too many open files|\bE[MN]FILE\b/i.test(e.message));
}

/** An error thrown with only Node's internals on its stack: no module had started to run. */
function onlyNodeInternals(e: unknown): boolean {
  if (!(e instanceof Error) || typeof e.stack !== 'string') return false;
  const frames = e.stack.split('\n').filter((l) => /^\s+at /.test(l));
  return frames.length > 0 && frames.every((l) => /node:internal\//.test(l));
}

/** ERR_WORKER_START: a worker could not be started; `cause` is the system's error. */
export function workerStartError(method: StartMethod, cause: unknown): Error {
  const c = cause as { code?: string; message?: string } | null;
  // A thread's failure names the errno only in its message ("Worker initialization failure: EMFILE").
  // Node 24 reports it in words while reading package.json ("...: too many open files").
  const errno =
    c?.code && !c.code.startsWith('ERR_') ? c.code : (/\b(E[A-Z]{3,})\b/.exec(c?.message ?? '')?.[1] ?? (/too many open files/i.test(c?.message ?? '') ? 'EMFILE' : undefined));
  const advice =
    errno === 'EMFILE' || errno === 'ENFILE'
      ? 'this process has no free file descriptors: close some, or raise the limit (ulimit -n, LimitNOFILE=)'
      : errno === 'EAGAIN' || errno === 'ENOMEM'
        ? 'the system is short of processes or memory; try again later or start fewer workers'
        : 'see the cause';
  return errors.workerStart(`could not start a ${method === 'thread' ? 'worker thread' : 'child process'} (${c?.message ?? String(cause)}); ${advice}`, { cause });
}

/** Never a live channel: closed from the start. */
function closedTransport(): Transport {
  return {
    write() {},
    start(_onData, onClose) {
      queueMicrotask(() => onClose());
    },
    close() {},
    drain: () => Promise.resolve(),
    pressure: () => null,
    ref() {},
    unref() {},
  };
}

/**
 * A worker that never started: its channel is closed and it "exits" (code 1) as soon as
 * `failure` says why, with `startError` set. Nothing of it is left to stop or to wait for.
 */
function failedStart(method: StartMethod, failure: Promise<unknown>, release?: () => void): WorkerHandle {
  release?.();
  let resolveExit!: (info: ExitInfo) => void;
  const handle: WorkerHandle = {
    method,
    channel: new Channel(closedTransport()),
    pid: -1,
    threadId: undefined,
    progress: undefined,
    exit: null,
    exited: new Promise((r) => {
      resolveExit = r;
    }),
    stop() {},
    ref() {},
    unref() {},
  };
  void failure.then((cause) => {
    handle.exit = { exitCode: 1, signal: null, outOfMemory: false, startError: workerStartError(method, cause) };
    resolveExit(handle.exit);
  });
  return handle;
}

function startProcess(data: InitData, limits: WorkerLimits): WorkerHandle {
  const heap = limits.maxMemoryMb !== undefined ? [`--max-old-space-size=${Math.ceil(limits.maxMemoryMb)}`] : [];
  // After the inherited flags: the last --max-old-space-size wins. Without tsx's flags: the
  // library is JavaScript, and the child registers a TypeScript loader only before it imports
  // the program's modules (functions/resolve.ts), so the library never passes through its hooks.
  // (Started from the sources, the bootstrap itself is TypeScript: then tsx's flags stay.)
  const inherited = fromSources ? childExecArgv() : withoutTsx(childExecArgv());
  const args = [...inherited, ...heap, fileURLToPath(bootstrapUrl)];
  const fatalReport = fatalReportPath();
  const init: InitData = { ...data, fatalReport };
  const inShm = init.role === 'pool' ? segmentProgress() : null;
  const progress = init.role === 'pool' && !inShm ? fileProgress() : null;
  const stdio: ('ignore' | 'inherit' | 'pipe' | number)[] = ['ignore', 'inherit', 'inherit', 'pipe'];
  if (progress) stdio.push(progress.fd);
  const { spawn } = lazyChildProcess();
  const release = () => {
    progress?.reader.close();
    inShm?.reader.close();
  };
  // With the addon the child sets PR_SET_PDEATHSIG itself (bootstrap.ts): one exec fewer.
  let child: ChildProcess;
  const addon = nativeAddon() ? addonFile() : '';
  const env = addon ? { ...process.env, [VERIFIED_ADDON_ENV]: addon } : undefined;
  try {
    child = setpriv && !addon ? spawn(setpriv, ['--pdeathsig', 'KILL', process.execPath, ...args], { stdio }) : spawn(process.execPath, args, { stdio, env });
  } catch (e) {
    release();
    throw e; // startWorker reports a system error as a failed start
  }
  // A spawn that failed (EMFILE, ENFILE, EAGAIN, ENOENT) has no pid; Node says why in an
  // 'error' event on the next tick, which must have a listener (else the program dies).
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const socket = child.stdio?.[3] as Socket | null | undefined;
  if (child.pid === undefined || !socket)
    return failedStart('process', spawnError, () => {
      socket?.destroy();
      release();
    });
  const channel = new Channel(socketTransport(socket));
  // The key after the spawn: the first one loads node:crypto while the child boots.
  channel.send([M.INIT, { ...init, authKey: programAuthKey(), progressFd: progress ? 4 : undefined, progressShm: inShm?.name }]);
  let resolveExit!: (info: ExitInfo) => void;
  const handle: WorkerHandle = {
    method: 'process',
    channel,
    pid: child.pid ?? -1,
    threadId: undefined,
    progress: inShm?.reader ?? progress?.reader,
    exit: null,
    exited: new Promise((r) => {
      resolveExit = r;
    }),
    stop(signal) {
      if (!handle.exit) child.kill(signal);
    },
    ref() {
      child.ref();
      channel.ref();
    },
    unref() {
      child.unref();
      channel.unref();
    },
  };
  const finish = (code: number | null, signal: NodeJS.Signals | null) => {
    if (handle.exit) return;
    const sig = code === null ? signal : null;
    handle.exit = { exitCode: code ?? -signalNumber(signal ?? 'SIGKILL'), signal: sig, outOfMemory: diedOutOfMemory(fatalReport, sig, heap.length > 0) };
    channel.close();
    resolveExit(handle.exit);
    // Read by the exit handlers above (they run synchronously in resolveExit's then); close later.
    setImmediate(release);
  };
  // 'close' comes after both the exit and the end of fd 3, so every result sent before death is read.
  child.on('close', finish);
  child.on('error', () => finish(1, null));
  return handle;
}

/** Flags of this process a Worker refused (V8 and per-process ones, e.g. --max-old-space-size). */
const refusedByThreads = new Set<string>();

/** `flags` minus tsx's (`--import tsx`, the tsx command's --require/--import of its own files). */
function withoutTsx(flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const a = flags[i]!;
    if (/^--(import|require|loader|experimental-loader)$/.test(a) && /tsx/.test(flags[i + 1] ?? '')) i++;
    else if (!/tsx/.test(a)) out.push(a);
  }
  return out;
}

function threadExecArgv(): string[] {
  // tsx's loader flags do not work inside a thread; the worker registers a loader itself.
  return withoutTsx(childExecArgv()).filter((a) => !refusedByThreads.has(a));
}

/** A Worker with this process's flags, minus those a thread may not take (Node lists them in its error). */
function newWorker(options: ConstructorParameters<typeof Worker>[1]): Worker {
  try {
    return new Worker(bootstrapUrl, { ...options, execArgv: threadExecArgv() });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const listed = err.code === 'ERR_WORKER_INVALID_EXEC_ARGV' ? /flags: (.*)$/.exec(err.message ?? '')?.[1] : undefined;
    if (!listed) throw e;
    for (const flag of listed.split(', ')) refusedByThreads.add(flag);
    return new Worker(bootstrapUrl, { ...options, execArgv: threadExecArgv() });
  }
}

function startThread(init: InitData, limits: WorkerLimits): WorkerHandle {
  const shared = sharedProgress();
  const progress = shared.reader;
  const route = init.role === 'process' ? new MessageChannel() : null;
  const counters = new SharedArrayBuffer(16);
  const worker = newWorker({
    workerData: { multiproc: true, progress: shared.buffer, ...(route ? { routePort: { port: route.port2, counters } } : {}) },
    ...(route ? { transferList: [route.port2] } : {}),
    ...(limits.maxMemoryMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb } } : {}),
  });
  const channel = new Channel(portTransport(worker, 'exit'));
  // The key after the Worker exists: the first one loads node:crypto while the thread starts.
  channel.send([M.INIT, { ...init, authKey: programAuthKey() }]);
  let stoppedWith: string | null = null;
  let outOfMemory = false;
  const threadId = worker.threadId; // -1 once it exited
  let resolveExit!: (info: ExitInfo) => void;
  const handle: WorkerHandle = {
    method: 'thread',
    channel,
    ...(route ? { routePort: { port: route.port1, counters } } : {}),
    pid: process.pid,
    threadId: worker.threadId,
    progress,
    exit: null,
    exited: new Promise((r) => {
      resolveExit = r;
    }),
    stop(signal) {
      if (handle.exit || stoppedWith) return;
      stoppedWith = signal;
      void worker.terminate();
    },
    ref() {
      worker.ref();
    },
    unref() {
      worker.unref();
    },
  };
  // An error nothing in the thread caught: print it as a child process would, then 'exit' reports code 1.
  let startError: Error | undefined;
  worker.on('error', (e: unknown) => {
    // The thread could not even be set up (no file descriptor for its event loop: EMFILE).
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'ERR_WORKER_INIT_FAILED') {
      startError = workerStartError('thread', e);
      return;
    }
    // Out of descriptors while loading the library's own code (the bootstrap and its chunks):
    // it never started. An EMFILE in user code later is an ordinary uncaught error.
    const file = (e as { path?: unknown }).path;
    if ((code === 'EMFILE' || code === 'ENFILE') && typeof file === 'string' && file.startsWith(ownCodeDir)) {
      startError = workerStartError('thread', e);
      return;
    }
    // Out of descriptors inside Node's own start-up of the thread, before any module of ours or
    // yours ran (Node 24: "Cannot read package config ...: too many open files").
    if (outOfDescriptors(e) && onlyNodeInternals(e)) {
      startError = workerStartError('thread', e);
      return;
    }
    if ((e as { code?: unknown } | null)?.code === OOM_CODE) {
      outOfMemory = true;
      process.stderr.write(`${init.name} (thread ${threadId}): ${(e as Error).message}\n`);
      return;
    }
    process.stderr.write(`Uncaught in ${init.name} (thread ${threadId}):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  });
  worker.on('exit', (code) => {
    workerThreadExited(threadId);
    if (handle.exit) return;
    handle.exit = startError
      ? { exitCode: 1, signal: null, outOfMemory: false, startError }
      : stoppedWith && !outOfMemory
        ? { exitCode: -signalNumber(stoppedWith), signal: stoppedWith, outOfMemory }
        : { exitCode: code, signal: null, outOfMemory };
    channel.close();
    resolveExit(handle.exit);
  });
  return handle;
}
