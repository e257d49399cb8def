// Work a worker finishes before it exits on its own: e.g. queue puts still on their way to a
// hub (CPython joins a Queue's feeder thread at exit for the same reason). Bounded, so exit
// never hangs on a peer that stopped reading.
import { globalSingleton } from '../util/state.js';

const hooks = globalSingleton('exitHooks', () => new Set<() => Promise<void>>());

export function onBeforeExit(fn: () => Promise<void>): () => void {
  hooks.add(fn);
  return () => hooks.delete(fn);
}

export async function runExitHooks(limitMs = 5000): Promise<void> {
  if (hooks.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((r) => {
    timer = setTimeout(r, limitMs);
  });
  await Promise.race([Promise.allSettled([...hooks].map((h) => h())), limit]);
  clearTimeout(timer);
}

const threadExitHooks = globalSingleton('threadExitHooks', () => new Set<(threadId: number) => void>());

/** Runs `fn(threadId)` when a worker thread this thread started has ended (however it ended). */
export function onWorkerThreadExit(fn: (threadId: number) => void): void {
  threadExitHooks.add(fn);
}

export function workerThreadExited(threadId: number): void {
  for (const fn of threadExitHooks) {
    try {
      fn(threadId);
    } catch {
      /* a hook must not break exit reporting */
    }
  }
}
