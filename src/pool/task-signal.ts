// taskSignal(): inside a pool task, the AbortSignal the pool aborts when that task times out or
// is aborted, so async work can stop cooperatively (fetch(url, { signal: taskSignal() })).
// Only pools with tasksPerWorker > 1 stop a task this way (one worker runs several tasks, and
// stopping the worker would take the others with it); with one task per worker the pool stops
// the worker instead and taskSignal() is undefined. One store per thread, kept in the runtime's
// module registry (globalSingleton), so the user's `import 'multiproc'` and the worker's
// bootstrap (both in the one bundle) see the same one.
import { AsyncLocalStorage } from 'node:async_hooks';
import { globalSingleton } from '../util/state.js';

const storage = globalSingleton('taskSignal', () => new AsyncLocalStorage<AbortSignal>());

/** The running pool task's AbortSignal (tasksPerWorker > 1), else undefined. */
export function taskSignal(): AbortSignal | undefined {
  return storage.getStore();
}

/** @internal Runs `fn` as a task whose taskSignal() is `signal`. */
export function runWithTaskSignal<T>(signal: AbortSignal, fn: () => T): T {
  return storage.run(signal, fn);
}
