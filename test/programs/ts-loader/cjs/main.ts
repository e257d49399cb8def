// TypeScript in a CommonJS package (no "type": "module"): tsx loads it as CommonJS, and so do
// the workers of this program (they use tsx itself).
import { Pool, isMainEntry } from '../../../../dist/cjs/index.cjs';
import { half } from './work';

if (isMainEntry(__filename)) {
  const context = (process.argv[2] ?? 'process') as 'process' | 'thread';
  const pool = new Pool({ processes: 1, context });
  pool
    .apply(half, [10])
    .then((r) => console.log('cjs', r, typeof __dirname))
    .finally(() => pool.terminate());
}
