// Catalogue: starting, joining and losing processes and workers.
import { TimeoutError } from './classes.js';
import { builtin, fromNode, processError, workerLost } from './define.js';

export const processErrors = {
  processStarted: builtin('ERR_PROCESS_STARTED', 'Error', {
    meaning: 'A Process was started twice, or an option only settable before start (`daemon`) was set after it.',
    fix: 'A Process runs once: create a new Process for another run, and set `daemon` before `start()`.',
  }),
  processNotStarted: builtin('ERR_PROCESS_NOT_STARTED', 'Error', {
    meaning: '`join()`, `terminate()`, `kill()`, a sentinel or a wait was asked of a Process that was never started.',
    fix: 'Call `start()` first.',
  }),
  processRunning: builtin('ERR_PROCESS_RUNNING', 'Error', {
    meaning: '`close()` was called on a Process that is still running.',
    fix: '`join()` it (or `terminate()` it) first, then `close()`.',
  }),
  processClosed: builtin('ERR_PROCESS_CLOSED', 'Error', {
    meaning: 'A Process was used after `close()` released it.',
    fix: 'Read what you need (exit code, result) before `close()`; create a new Process to run again.',
  }),
  processJoinSelf: builtin('ERR_PROCESS_JOIN_SELF', 'Error', {
    meaning: 'A process tried to join, terminate or kill itself through its own Process object.',
    fix: 'Return from the target (or call `process.exit()`) to end the current process.',
  }),
  processTerminated: builtin('ERR_PROCESS_TERMINATED', 'Error', {
    meaning: 'A cluster Process was terminated or killed before its target finished; its `error` carries this code.',
    fix: 'Expected after `terminate()`/`kill()`; otherwise let the process finish (`join()`).',
  }),
  daemonChildren: builtin('ERR_DAEMON_CHILDREN', 'Error', {
    meaning: "A daemon process tried to start a child process, a Pool or a manager's server; daemon processes cannot have children (as in Python).",
    fix: 'Start that process with `daemon: false`, or start the children in the main program and pass them what they need.',
  }),
  bootstrapping: builtin('ERR_BOOTSTRAPPING', 'Error', {
    meaning: 'A worker, while importing your module to find the function it runs, reached code that starts processes: left alone that would start workers without end.',
    fix: "Put the code that starts processes inside `if (isMainEntry(import.meta.url)) { ... }` (`isMainEntry(module)` in CommonJS), Python's `if __name__ == '__main__'`.",
  }),
  tsCommonjsModule: builtin('ERR_TS_COMMONJS_MODULE', 'Error', {
    meaning:
      'A worker\'s own TypeScript hooks (used when the program runs under tsx) were asked to load a `.ts` module of a CommonJS package (no `"type": "module"` in its package.json), imported from an ES module. Only tsx\'s require hooks load CommonJS TypeScript.',
    fix: 'Run the program with `MULTIPROC_TS_LOADER=tsx` (the workers then load tsx itself), or give that package `"type": "module"`, or rename the file to `.mts`.',
  }),
  workerStart: processError('ERR_WORKER_START', {
    meaning: "A worker (child process or thread) could not be started by the system; `cause` is the system's error and the message names its errno.",
    fix: 'Follow the message: EMFILE/ENFILE: close descriptors or raise the limit (`ulimit -n`); EAGAIN/ENOMEM: the system is short of processes or memory, start fewer workers.',
  }),
  workerLost: workerLost('ERR_WORKER_LOST', {
    meaning:
      'The worker running a task ended (crashed, was killed, or, in the cluster, its machine stopped answering) before the task finished. `exitCode` and `signal` say how it ended.',
    fix: 'Find why the worker ended (its stderr, a native crash, `process.exit()` in the task); pass `retries` to rerun tasks whose worker died.',
  }),
  workerOutOfMemory: workerLost('ERR_WORKER_OUT_OF_MEMORY', {
    meaning:
      "A worker reached its heap limit (`maxMemoryPerWorker`, or Node's default) and was ended; Node names this code for threads, and the library gives it to the WorkerLostError of a process or a pool task.",
    fix: 'Raise `maxMemoryPerWorker`, or make the task use less memory (smaller chunks, streaming results).',
  }),
  internal: builtin('ERR_INTERNAL', 'Error', {
    meaning: 'The library found its own state inconsistent (a pool worker was asked to run a function it was never given). This is a bug in multiproc.',
    fix: 'Please report it with the message and how to reproduce it.',
  }),
  timeout: processError(
    'ERR_TIMEOUT',
    {
      meaning: 'A wait ran out of time: a pool task or result with a `timeout`, a Client connecting, an `imap` result. Its class is `TimeoutError`.',
      fix: "Give it more time, or find what is slow; a timed-out pool task's worker is replaced, so the task stops.",
    },
    TimeoutError,
  ),
};

/** Node's own codes the library recognizes. */
export const processCodesFromNode = [
  fromNode('ERR_WORKER_INIT_FAILED', {
    meaning:
      'Node could not set up a worker thread (usually no free file descriptor for its event loop). The library reports it as ERR_WORKER_START, or retries starting its hub later.',
    fix: 'Free file descriptors or raise the limit (`ulimit -n`).',
  }),
  fromNode('ERR_WORKER_INVALID_EXEC_ARGV', {
    meaning: "Node refused some of this process's flags for a worker thread. The library drops the flags Node lists and starts the thread without them; you should not see it.",
    fix: 'If you do, start the program without the flags the message lists, or use the process context.',
  }),
];
