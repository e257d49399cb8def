// Seed 004, Pipe: parent_conn, child_conn = Pipe(); the child sends [42, None, 'hello'] through its end and closes it; the parent prints what parent_conn.recv() returns, then joins.
import { Pipe, Process, isMainEntry } from 'multiproc';
import type { Connection } from 'multiproc';

export async function f(conn: Connection): Promise<void> {
  await conn.send([42, null, 'hello']);
  conn.close();
}

if (isMainEntry(import.meta.url)) {
  const [parentConn, childConn] = Pipe();
  const p = new Process({ target: f, args: [childConn] });
  p.start();
  console.log(await parentConn.recv()); // prints "[ 42, null, 'hello' ]"
  await p.join();
}
