// Shared memory: a Pool fills a SharedArray in place (each task writes its own slot), and the
// parent reads the squares straight from the shared memory; nothing is sent back.
import { Pool, SharedArray, isMainEntry, type SynchronizedArrayOf } from 'multiproc';

export function square(arr: SynchronizedArrayOf<'d'>, i: number): void {
  arr[i] = i * i;
}

if (isMainEntry(import.meta.url)) {
  const arr = SharedArray('d', 10);
  await using pool = new Pool(2);
  await pool.starmap(
    square,
    Array.from({ length: arr.length }, (_, i) => [arr, i] as [typeof arr, number]),
  );
  console.log(arr.toArray());
}
