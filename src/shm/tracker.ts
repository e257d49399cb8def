// The resource tracker: POSIX segments a program creates are unlinked when it ends, also when
// it is SIGKILLed (as CPython's resource_tracker does).
//
// How: the first segment a program creates starts one small tracker process (entry/tracker.ts),
// detached (a kill of the program's process group does not take it along) and unref'd. Its
// stdin is a FIFO; it unlinks what is still registered once every write end is closed, which
// the kernel does for a process however it dies. Each thread writes through a raw, blocking fd
// (no handle keeps the event loop alive), so `+name` is in the pipe before
// `new SharedMemory()` returns: a SIGKILL right after loses nothing. A FIFO, not spawn's
// stdio 'pipe' (a socketpair): other processes can open a FIFO through /proc/<tracker>/fd/0,
// a socket they cannot. Node has no mkfifo(), hence the mkfifo binary, once per program; the
// FIFO's name is removed as soon as both ends are open.
//
// Workers join the tracker of the program that started them: `<tracker pid>:<inode>:<pid>`
// rides in the environment (MULTIPROC_SHM_TRACKER), which child processes and threads inherit.
// A worker joins only if that last pid is its parent's (not an address its program inherited
// from another program), and the inode check refuses a reused tracker pid. A worker's segments
// then live until the whole tree has ended, as in CPython. A worker started before its
// program's first segment finds no address and starts its own tracker, told to wait for the
// worker's program as well (its parent process; for a thread, its own process, since Node
// closes a thread's fds when the thread ends): the outcome is the same.
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyChildProcess } from '../util/builtins.js';
import { globalSingleton, runtimeState } from '../util/state.js';

const ENV = 'MULTIPROC_SHM_TRACKER';

const state = globalSingleton('shmTracker', () => ({ fd: -1, names: new Set<string>(), warned: false }));

/** Opens a write end on the FIFO of the tracker our parent published, or -1. */
function join(address: string | undefined): number {
  const m = /^(\d+):(\d+):(\d+)$/.exec(address ?? '');
  if (!m || Number(m[3]) !== runtimeState().parent?.pid) return -1;
  const path = `/proc/${m[1]}/fd/0`;
  try {
    // Our FIFO, so that pid is the tracker and holds the read end: the open cannot block.
    if (statSync(path).ino !== Number(m[2])) return -1;
    const fd = openSync(path, constants.O_WRONLY);
    process.env[ENV] = `${m[1]}:${m[2]}:${process.pid}`; // for our own workers
    return fd;
  } catch {
    return -1;
  }
}

/** [script, node flags]: the bundle has tracker.js beside it; the sources (under tsx) have entry/tracker.ts. */
function trackerCommand(): [string, string[]] {
  const here = fileURLToPath(import.meta.url);
  if (!/[\\/]shm[\\/]tracker\.[jt]s$/.test(here)) return [fileURLToPath(new URL('./tracker.js', import.meta.url)), []];
  return [fileURLToPath(new URL('../entry/tracker.ts', import.meta.url)), ['--import', 'tsx']];
}

/** `<pid>:<start time>` of the process a worker's tracker must also wait for, or '' (a program's). */
function programOfWorker(): string {
  if (!runtimeState().isWorker) return '';
  const pid = isMainThread ? process.ppid : process.pid;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return '';
  }
}

/** Starts a tracker and opens a write end on its FIFO; -1 (with one warning) if that fails. */
function start(): number {
  const [script, flags] = trackerCommand();
  const outlive = programOfWorker();
  let dir = '',
    fd = -1,
    hold = -1,
    read = -1;
  try {
    dir = mkdtempSync(joinPath(tmpdir(), 'multiproc-'));
    const fifo = joinPath(dir, 'tracker');
    lazyChildProcess().execFileSync('mkfifo', ['-m', '600', fifo], { stdio: 'ignore' });
    // A writer exists from the start (O_RDWR never blocks on a FIFO), or the tracker could read EOF first.
    hold = openSync(fifo, constants.O_RDWR);
    read = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const child = lazyChildProcess().spawn(process.execPath, [...flags, script, ...(outlive ? [outlive] : [])], { stdio: [read, 'ignore', 'inherit'], detached: true });
    child.on('error', () => {});
    child.unref();
    if (child.pid !== undefined) {
      // Write-only and blocking: EPIPE (not a silent, growing buffer) if the tracker dies.
      fd = openSync(fifo, constants.O_WRONLY);
      process.env[ENV] = `${child.pid}:${statSync(fifo).ino}:${process.pid}`;
    }
  } catch {
    if (fd >= 0) closeSync(fd);
    fd = -1;
  } finally {
    for (const f of [hold, read]) if (f >= 0) closeSync(f);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  if (fd < 0 && !state.warned) {
    state.warned = true;
    process.emitWarning('multiproc could not start its shared memory tracker: segments this program does not unlink will outlive it', { code: 'MULTIPROC_SHM_TRACKER' });
  }
  return fd;
}

function connect(spawn: boolean): number {
  if (state.fd >= 0) return state.fd;
  if (runtimeState().isWorker) state.fd = join(process.env[ENV]);
  if (state.fd < 0 && spawn) state.fd = start();
  return state.fd;
}

/** Writes `line`; if the tracker is gone (EPIPE: someone killed it), starts another and registers everything again. */
function send(line: string, spawn: boolean): void {
  const fd = connect(spawn);
  if (fd < 0) return;
  try {
    writeSync(fd, line);
    return;
  } catch {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    state.fd = -1;
  }
  if (state.names.size === 0) return;
  const fresh = start();
  if (fresh < 0) return;
  state.fd = fresh;
  try {
    writeSync(fresh, [...state.names].map((n) => `+${n}\n`).join(''));
  } catch {
    /* nothing more to try */
  }
}

/** Registers a segment this program created: unlinked when the program (tree) ends. */
export function trackSegment(name: string): void {
  state.names.add(name);
  send(`+${name}\n`, true);
}

/** The segment was unlinked: forget it (never starts a tracker just to say so). */
export function untrackSegment(name: string): void {
  state.names.delete(name);
  send(`-${name}\n`, false);
}
