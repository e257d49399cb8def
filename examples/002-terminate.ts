// Seed 002, terminating a process: BEFORE start it is not alive, DURING it is alive, just after terminate() it still reads alive (the state is updated by join), after join() it is not alive and its exit code is -15 (SIGTERM); "Finished worker" is never printed.
// (The seed prints the Process object itself, e.g. <Process(Process-1, stopped[SIGTERM])>; here name, isAlive() and exitCode.)
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, isMainEntry } from 'multiproc';

export async function slowWorker(): Promise<void> {
  console.log('Starting worker');
  await sleep(100);
  console.log('Finished worker');
}

if (isMainEntry(import.meta.url)) {
  const p = new Process({ target: slowWorker });
  console.log('BEFORE:', p.name, p.isAlive(), p.exitCode);
  p.start();
  console.log('DURING:', p.name, p.isAlive(), p.exitCode);
  p.terminate();
  console.log('TERMINATED:', p.name, p.isAlive(), p.exitCode);
  await p.join();
  console.log('JOINED:', p.name, p.isAlive(), p.exitCode);
}
