// tsconfig `paths` are tsx's to map: the workers of this program use tsx itself.
import { Pool, isMainEntry } from 'multiproc';
import { viaPaths } from './work.ts';

if (isMainEntry(import.meta.url)) {
  const context = (process.argv[2] ?? 'process') as 'process' | 'thread';
  await using pool = new Pool({ processes: 1, context });
  console.log('paths', await pool.apply(viaPaths, [4]));
}
