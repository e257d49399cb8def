// Seed 004, class style: MyProcess(Process) calls the parent constructor and overrides run(), which sleeps 1 s and prints "hello <self.name> <ctime>"; CPython names them MyProcess-1, MyProcess-2, MyProcess-3; "end" comes last.
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, isMainEntry } from 'multiproc';

// Python's time.ctime(), e.g. "Mon Nov  1 10:07:00 2024"
export function ctime(d = new Date()): string {
  const [weekday, month, day, year, time] = d.toString().split(' ');
  return `${weekday} ${month} ${String(Number(day)).padStart(2, ' ')} ${time} ${year}`;
}

export class MyProcess extends Process {
  constructor() {
    super();
    // this.name = name
  }

  override async run(): Promise<void> {
    await sleep(200); // the seed sleeps 1 s
    console.log('hello', this.name, ctime());
  }
}

if (isMainEntry(import.meta.url)) {
  const pList: MyProcess[] = [];
  for (let i = 0; i < 3; i++) {
    const p = new MyProcess();
    p.start();
    pList.push(p);
  }
  for (const p of pList) await p.join();
  console.log('end');
}
