// Entry module with top-level await, functions exported from it, run under tsx.
import { Pool, isMainEntry } from 'multiproc';

export const inc = (x: number): number => x + 1;
export class Box {
  constructor(public v: number) {}
  get double(): number {
    return this.v * 2;
  }
}
export function box(v: number): Box {
  return new Box(v);
}

await new Promise((r) => setTimeout(r, 10));
if (isMainEntry(import.meta.url)) {
  const context = (process.argv[2] ?? 'process') as 'process' | 'thread';
  await using pool = new Pool({ processes: 2, context });
  console.log('map', JSON.stringify(await pool.map(inc, [1, 2, 3])));
  const b = await pool.apply(box, [21]);
  console.log('box', b instanceof Box, b.double);
}
