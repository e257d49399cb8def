// Whether a process still exists (for locks whose holder may have died).
export function processAlive(pid: number): boolean {
  if (pid === process.pid || pid <= 0) return true;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as { code?: string }).code === 'EPERM'; }
}
