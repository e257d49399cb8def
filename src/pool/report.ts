// How a Pool reports an error thrown by user code that runs in the parent (callbacks,
// onProgress, event listeners): a process warning, never a crash and never a stopped pool.
// An async callback's rejection counts as a throw: left alone it would be an unhandled
// rejection, which ends the program.
export function reportCallbackError(which: string, error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.emitWarning(`a Pool ${which} threw and was ignored: ${text}`, { code: 'MULTIPROC_CALLBACK_ERROR' });
}

/** Runs user callback `call`; a throw, or a rejection of what it returns, is reported as `which`. */
export function callReporting(which: string, call: () => unknown): void {
  let result: unknown;
  try {
    result = call();
  } catch (e) {
    reportCallbackError(which, e);
    return;
  }
  if (result !== null && (typeof result === 'object' || typeof result === 'function') && typeof (result as PromiseLike<unknown>).then === 'function') {
    // A thenable's own `then` may throw too; that is the callback's failure as well.
    try {
      (result as PromiseLike<unknown>).then(undefined, (e: unknown) => reportCallbackError(which, e));
    } catch (e) {
      reportCallbackError(which, e);
    }
  }
}
