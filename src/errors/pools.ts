// Catalogue: Pool (local and cluster), its results and its progress bars.
import { builtin, processError } from './define.js';

export const poolErrors = {
  poolNotRunning: builtin('ERR_POOL_NOT_RUNNING', 'Error', {
    meaning: 'Work was submitted to a Pool after `close()` or `terminate()`.',
    fix: 'Submit everything before closing the pool, or create a new Pool.',
  }),
  poolRunning: builtin('ERR_POOL_RUNNING', 'Error', {
    meaning: '`join()` was called on a Pool that is still running: it would wait forever, since a running pool keeps its workers.',
    fix: 'Call `pool.close()` (or `terminate()`) before `join()`, or use `await using pool = new Pool()`.',
  }),
  poolTerminated: processError('ERR_POOL_TERMINATED', {
    meaning: 'The Pool was terminated (`terminate()`, or leaving an `await using` block) before this task or result finished.',
    fix: 'Await the results before terminating, or `close()` and `join()` the pool to let queued work finish.',
  }),
  poolInitializer: processError('ERR_POOL_INITIALIZER', {
    meaning: "The pool's `initializer` threw in a worker, so no worker can take tasks; every pending task rejects with this error, whose `cause` is the initializer's.",
    fix: 'Fix the initializer (see the cause), then create a new Pool.',
  }),
  poolWorkerStart: processError('ERR_POOL_WORKER_START', {
    meaning:
      "The pool's workers keep exiting before they are ready (a module that fails to import, a crash at start, too little memory), so the pool gave up instead of restarting them without end.",
    fix: "Read the workers' stderr; check that the task module imports cleanly in a fresh process; raise `maxMemoryPerWorker` if the message says out of memory.",
  }),
  poolQueueFull: processError('ERR_POOL_QUEUE_FULL', {
    meaning: "A submission would put more tasks in the pool's queue than its `maxQueue` allows.",
    fix: "Wait for tasks to finish (`pool.on('drain')`), submit bigger chunks, or raise `maxQueue`.",
  }),
  resultNotReady: builtin('ERR_RESULT_NOT_READY', 'Error', {
    meaning: '`AsyncResult.successful()` was asked before the task finished.',
    fix: '`await result.wait()` first, or check `result.ready()`.',
  }),
  progressDependency: processError('ERR_PROGRESS_DEPENDENCY', {
    meaning: '`progress: true` draws bars with the optional package cli-progress, which is not installed.',
    fix: '`npm install cli-progress`, or pass `onProgress` to receive the counts yourself.',
  }),
};
