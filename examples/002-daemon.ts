// Seed 002, daemon processes: d (daemon, sleeps 2 s) and n (non-daemon) start; d.join(1) times out, d.is_alive() prints True; n.join(); when the main program ends the daemon is terminated, so "Exiting : daemon" is never printed and the program does not wait for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { Event, Process, currentProcess, isMainEntry } from 'multiproc';

export async function daemon(started: Event): Promise<void> {
  const name = currentProcess().name;
  console.log('Starting:', name);
  started.set();
  // Far longer than the join timeout (the seed: 2 s vs 1 s), so that a program which waited for
  // it is told apart from one slowed by a loaded machine; it is cut short anyway.
  await sleep(25_000);
  console.log('Exiting :', name);
}

export function nonDaemon(): void {
  const name = currentProcess().name;
  console.log('Starting:', name);
  console.log('Exiting :', name);
}

if (isMainEntry(import.meta.url)) {
  // Not in the seed: the program ends only once the daemon has started, so "Starting: daemon"
  // shows even on a machine so loaded that starting a child takes longer than the join below.
  const started = new Event();
  const d = new Process({ name: 'daemon', target: daemon, args: [started] });
  d.daemon = true;
  const n = new Process({ name: 'non-daemon', target: nonDaemon });
  n.daemon = false;
  d.start();
  n.start();
  await d.join(1000); // wait at most 1 s
  console.log('d.isAlive()', d.isAlive());
  await n.join();
  await started.wait(30_000);
}
