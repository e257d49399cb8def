// Seed 002, deriving from Process: 5 instances of a subclass Worker whose run() prints "In <self.name>"; CPython's default name is type(self).__name__ + '-' + counter, so they print "In Worker-1" ... "In Worker-5" (in any order).
import { Process, isMainEntry } from 'multiproc';

export class Worker extends Process {
  override run(): void {
    console.log(`In ${this.name}`);
  }
}

if (isMainEntry(import.meta.url)) {
  const jobs: Worker[] = [];
  for (let i = 0; i < 5; i++) {
    const p = new Worker();
    jobs.push(p);
    p.start();
  }
  for (const j of jobs) {
    await j.join();
  }
}
