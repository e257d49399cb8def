// When the program runs under tsx, thread workers need tsx's API to import .ts modules
// (docs/design.md: its loader flags do not reach worker_threads on Node 20). Find it once.
import { runtimeState } from '../util/state.js';

export function detectTsx(): void {
  const state = runtimeState();
  if (state.isWorker || state.tsxApi !== undefined) return;
  if (!process.execArgv.some((a) => /[\\/]tsx[\\/]/.test(a) || a === 'tsx')) return;
  try {
    state.tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    // tsx is not resolvable from here: thread workers will report the missing loader.
  }
}
