// A pool that is used and never closed must not keep the program alive (CPython's workers
// are daemons too).
import { Pool, isMainEntry } from 'multiproc';

export function cube(x) {
  return x ** 3;
}

if (isMainEntry(import.meta.url)) {
  const pool = new Pool({ processes: 2, context: process.argv[2] ?? 'process' });
  console.log(await pool.apply(cube, [2]));
}
