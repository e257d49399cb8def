// Who this is (for lock owner words), and whether another process still exists (for locks
// whose holder may have died). Both ids are read once: `process` is an accessor on globalThis
// and a builtin module's export is a namespace lookup, which a lock pair would pay each time.
import { threadId } from 'node:worker_threads';

export const selfPid: number = process.pid;
export const selfThread: number = threadId;

export function processAlive(pid: number): boolean {
  if (pid === selfPid || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
