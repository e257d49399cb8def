// Seed 002, naming processes: current_process().name inside the child is 'my_service', 'worker 1', or the default name 'Process-3' (the third Process created, counting the named ones); each prints "<name> Starting" then "<name> Exiting".
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, currentProcess, isMainEntry } from 'multiproc';

export async function worker(): Promise<void> {
  const name = currentProcess().name;
  console.log(name, 'Starting');
  await sleep(200); // the seed sleeps 2 s
  console.log(name, 'Exiting');
}

export async function myService(): Promise<void> {
  const name = currentProcess().name;
  console.log(name, 'Starting');
  await sleep(300); // the seed sleeps 3 s
  console.log(name, 'Exiting');
}

if (isMainEntry(import.meta.url)) {
  const service = new Process({ name: 'my_service', target: myService });
  const worker1 = new Process({ name: 'worker 1', target: worker });
  const worker2 = new Process({ target: worker }); // default name
  worker1.start();
  worker2.start();
  service.start();
}
