// A program under tsx whose workers import .ts modules through multiproc's own small hooks:
// a `.js` specifier naming a .ts file, an enum, parameter properties, a stack trace in .ts lines.
import { Pool, isMainEntry } from 'multiproc';
import { boom, makeShadow, shadow, work } from './work.js';

if (isMainEntry(import.meta.url)) {
  const context = (process.argv[2] ?? 'process') as 'process' | 'thread';
  await using pool = new Pool({ processes: 2, context });
  console.log('work', await pool.apply(work, [3]));
  const err = (await pool.apply(boom, []).catch((e: unknown) => e)) as Error;
  console.log('boom', err.message, /work\.ts:\d+/.test(String(err.stack)));
  // Found as an export by name only when it is that export: a nested namesake travels as source.
  console.log('shadow', await pool.apply(shadow, []), '/', await pool.apply(makeShadow(), []));
}
