// How a Pool reports an error thrown by user code that runs in the parent (callbacks,
// onProgress, event listeners): a process warning, never a crash and never a stopped pool.
export function reportCallbackError(which: string, error: unknown): void {
  const text = error instanceof Error ? error.stack ?? error.message : String(error);
  process.emitWarning(`a Pool ${which} threw and was ignored: ${text}`, { code: 'MULTIPROC_CALLBACK_ERROR' });
}
