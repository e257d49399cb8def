// Seed 004, Managers: with Manager() as manager, d = manager.dict() and l = manager.list(range(5)); ten children f(d, l, n) set d[n] = '1', d['2'] = 2, d[0.25] = None, append n to l and print l; after joining them the parent prints d (12 keys: 0..9, '2' and 0.25 -- the number 2 and the string '2' stay distinct) and l ([0..4] followed by 0..9 in the order the children ran).
// (A Python list prints as [0, 1, 2]; listRepr does the same here. The dict prints as Node shows a Map, on one line.)
import { inspect } from 'node:util';
import { Manager, Process, isMainEntry, type DictProxy, type ListProxy } from 'multiproc';

type Key = number | string;

export function listRepr(items: unknown[]): string {
  return `[${items.map((x) => inspect(x)).join(', ')}]`;
}

export async function f(d: DictProxy<Key, unknown>, l: ListProxy<number>, n: number): Promise<void> {
  await d.set(n, '1');
  await d.set('2', 2);
  await d.set(0.25, null);
  await l.append(n);
  console.log(listRepr(await l.toArray()));
}

if (isMainEntry(import.meta.url)) {
  await using manager = await Manager();
  const d = await manager.dict<Key, unknown>();
  const l = await manager.list([0, 1, 2, 3, 4]);
  const pList: Process[] = [];
  for (let i = 0; i < 10; i++) {
    const p = new Process({ target: f, args: [d, l, i] });
    p.start();
    pList.push(p);
  }
  for (const res of pList) {
    await res.join();
  }
  console.log(inspect(await d.toMap(), { breakLength: Infinity }));
  console.log(listRepr(await l.toArray()));
}
