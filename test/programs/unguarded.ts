// No isMainEntry guard: a worker importing this module must not start its own pool.
import { Pool } from 'multiproc';

export function one(): number {
  return 1;
}

const context = (process.argv[2] ?? 'process') as 'process' | 'thread';
const pool = new Pool({ processes: 1, context });
try {
  await pool.apply(one, []);
  console.log('no error');
} catch (e) {
  console.log('rejected', (e as { code?: string }).code);
}
await pool.terminate();
