// A plain JavaScript ES module run by node without tsx: functions come from this very file.
import { Pool, Process, Pipe, isMainEntry } from 'multiproc';

export function cube(x) {
  return x ** 3;
}
export async function greet(conn, who) {
  await conn.send(`hello ${who}`);
  conn.close();
}

if (isMainEntry(import.meta.url)) {
  const context = process.argv[2] ?? 'process';
  const pool = new Pool({ processes: 2, context });
  console.log('map', JSON.stringify(await pool.map(cube, [1, 2, 3])));
  pool.close();
  await pool.join();
  const [a, b] = Pipe();
  const p = new Process({ target: greet, args: [b, 'esm'], context });
  p.start();
  console.log(await a.recv());
  await p.join();
  console.log('exit', p.exitCode);
}
