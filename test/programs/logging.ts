// Seed 002's logging example.
import { Process, getLogger, isMainEntry, logToStderr } from 'multiproc';

export function worker(): void {
  console.log('Doing some work');
}

if (isMainEntry(import.meta.url)) {
  logToStderr();
  getLogger().setLevel('INFO');
  const p = new Process({ target: worker, context: (process.argv[2] ?? 'process') as 'process' | 'thread' });
  p.start();
  await p.join();
}
