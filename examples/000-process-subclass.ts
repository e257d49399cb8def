// Seed 000: a subclass of multiprocessing.Process that overrides run() (no __init__ needed); started and joined, the child prints "run in myprocess".
import { Process, isMainEntry } from 'multiproc';

export class MyProcess extends Process {
  override run(): void {
    console.log('run in myprocess');
  }
}

if (isMainEntry(import.meta.url)) {
  const p = new MyProcess();
  p.start();
  await p.join();
}
