// Seed 002, passing messages between processes: the parent puts an instance of MyFancyClass('Fancy Dan') on a Queue; the child worker(q) takes it and calls its method do_something(), which prints "Doing something fancy in Process-1 for Fancy Dan!". The class is exported, so the object arrives with its class and methods.
// (The seed's queue.join_thread() has no counterpart: put() has handed the item over when it resolves; queue.close() closes this handle.)
import { Process, Queue, currentProcess, isMainEntry } from 'multiproc';

export class MyFancyClass {
  constructor(public name: string) {}

  doSomething(): void {
    const procName = currentProcess().name;
    console.log(`Doing something fancy in ${procName} for ${this.name}!`);
  }
}

export async function worker(q: Queue<MyFancyClass>): Promise<void> {
  const obj = await q.get();
  obj.doSomething();
}

if (isMainEntry(import.meta.url)) {
  const queue = new Queue<MyFancyClass>();
  const p = new Process({ target: worker, args: [queue] });
  p.start();
  await queue.put(new MyFancyClass('Fancy Dan'));
  // Wait for the worker to finish
  queue.close();
  await p.join();
}
