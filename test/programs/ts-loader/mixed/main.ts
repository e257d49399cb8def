// A program under tsx whose worker module (ES) imports TypeScript from a CommonJS package:
// multiproc's own hooks cannot load it (tsx's require hooks can), so the task fails with
// ERR_TS_COMMONJS_MODULE saying to run with MULTIPROC_TS_LOADER=tsx, which then works.
import { Pool, isMainEntry } from 'multiproc';
import { useLegacy } from './work.js';

if (isMainEntry(import.meta.url)) {
  const context = (process.argv[2] ?? 'process') as 'process' | 'thread';
  await using pool = new Pool({ processes: 1, context });
  try {
    console.log('mixed', await pool.apply(useLegacy, [4]));
  } catch (e) {
    const err = e as Error & { code?: string };
    console.log('mixed', err.code, /MULTIPROC_TS_LOADER=tsx/.test(err.message));
  }
}
