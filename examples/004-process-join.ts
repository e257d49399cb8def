// Seed 004 (cnblogs "Py西游攻关之多进程"): 3 x Process(target=f, args=('alvin',)) started then joined; each sleeps 1 s and prints "hello alvin <ctime>"; "end" comes last.
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, isMainEntry } from 'multiproc';

// Python's time.ctime(), e.g. "Mon Nov  1 10:07:00 2024"
export function ctime(d = new Date()): string {
  const [weekday, month, day, year, time] = d.toString().split(' ');
  return `${weekday} ${month} ${String(Number(day)).padStart(2, ' ')} ${time} ${year}`;
}

export async function f(name: string): Promise<void> {
  await sleep(200); // the seed sleeps 1 s
  console.log('hello', name, ctime());
}

if (isMainEntry(import.meta.url)) {
  const pList: Process[] = [];
  for (let i = 0; i < 3; i++) {
    const p = new Process({ target: f, args: ['alvin'] });
    pList.push(p);
    p.start();
  }
  for (const p of pList) await p.join();
  console.log('end');
}
