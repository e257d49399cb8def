// The program ends: the daemon child is terminated, the other child is awaited.
import { Process, isMainEntry } from 'multiproc';

export async function slow(ms: number, label: string): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  console.log(`${label} done`);
}
export function raises(): never {
  throw new TypeError('boom in child');
}

if (isMainEntry(import.meta.url)) {
  const context = (process.argv[2] ?? 'process') as 'process' | 'thread';
  const d = new Process({ target: slow, args: [30_000, 'daemon'], daemon: true, context });
  const n = new Process({ target: slow, args: [300, 'non-daemon'], context });
  const e = new Process({ target: raises, context });
  d.start();
  n.start();
  e.start();
  console.log('main done');
}
