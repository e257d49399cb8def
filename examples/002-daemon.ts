// Seed 002, daemon processes: d (daemon, sleeps 2 s) and n (non-daemon) start; d.join(1) times out, d.is_alive() prints True; n.join(); when the main program ends the daemon is terminated, so "Exiting : daemon" is never printed and the program does not wait for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, currentProcess, isMainEntry } from 'multiproc';

export async function daemon(): Promise<void> {
  const name = currentProcess().name;
  console.log('Starting:', name);
  await sleep(5000); // longer than the join timeout (the seed: 2 s vs 1 s); it is cut short anyway
  console.log('Exiting :', name);
}

export function nonDaemon(): void {
  const name = currentProcess().name;
  console.log('Starting:', name);
  console.log('Exiting :', name);
}

if (isMainEntry(import.meta.url)) {
  const d = new Process({ name: 'daemon', target: daemon });
  d.daemon = true;
  const n = new Process({ name: 'non-daemon', target: nonDaemon });
  n.daemon = false;
  d.start();
  n.start();
  await d.join(1000); // wait at most 1 s
  console.log('d.isAlive()', d.isAlive());
  await n.join();
}
