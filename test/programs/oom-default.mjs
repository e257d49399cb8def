// Run as `node --max-old-space-size=64 oom-default.mjs <process|thread>`: a Process without
// maxMemoryPerWorker inherits the flag and runs out of memory; the library must still say so.
// Prints one JSON line: the child's exit code and its error's code.
import { Process, isMainEntry } from 'multiproc';
import { hogProcess } from '../fixtures/faults.mjs';

if (isMainEntry(import.meta.url)) {
  const p = new Process({ target: hogProcess, context: process.argv[2] ?? 'process' });
  p.start();
  await p.join();
  console.log(JSON.stringify({ exitCode: p.exitCode, code: p.error?.code ?? null, name: p.error?.name ?? null }));
}
