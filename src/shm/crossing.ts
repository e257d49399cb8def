// Refusing, in the parent and at the call, to send shared memory to another process when the
// addon is missing. Without the addon a Value, SharedArray, SharedMemory or ShareableList is
// memory only this process's threads share; a child process could never map it, and used to
// fail inside the child (behind an exit 0 of the program). The process context therefore
// reduces what it sends inside `towardProcesses`, and each shared type asks `checkCrossing`.
import { nativeAddon, requireAddon } from '../native/addon.js';

let towardProcessesDepth = 0;

/** Runs `fn` (which encodes a message) noting that it may reach another process when `processes`. */
export function towardProcesses<T>(processes: boolean, fn: () => T): T {
  if (!processes) return fn();
  towardProcessesDepth++;
  try {
    return fn();
  } finally {
    towardProcessesDepth--;
  }
}

/** Throws ERR_SHARED_MEMORY_UNAVAILABLE when `what` is being sent toward a process without the addon. */
export function checkCrossing(what: string): void {
  if (towardProcessesDepth > 0 && !nativeAddon()) requireAddon(`sending ${what} to another process`);
}
