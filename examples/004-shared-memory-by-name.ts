// Seed 004, shared memory by name (CPython's multiprocessing.shared_memory): this program creates a SharedMemory block and a ShareableList and writes into them; a second program (examples/_shm-attacher.ts, started here as a separate `node` process that shares nothing with this one but the two names) attaches to both by name, reads them and changes them; this program then sees the changes, closes and unlinks both (the owner unlinks, once; the other program only closes).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { SharedMemory, ShareableList, isMainEntry } from 'multiproc';

if (isMainEntry(import.meta.url)) {
  const shm = new SharedMemory({ create: true, size: 16 }); // a fresh name, psm_...
  shm.buf.set([1, 2, 3, 4, 5]);
  console.log(`first: created '${shm.name}' (${shm.size} bytes) and wrote [${shm.buf.subarray(0, 5).join(', ')}]`);
  const sl = new ShareableList<string | number | null>(['howdy', 42, null]);
  console.log(`first: created a ShareableList ${JSON.stringify(sl.toArray())} in '${sl.shm.name}'`);

  // The second program: node, with the same loader (tsx) as this one.
  const attacher = fileURLToPath(new URL('./_shm-attacher.ts', import.meta.url));
  const other = spawn(process.execPath, [...process.execArgv, attacher, shm.name, sl.shm.name], { stdio: ['ignore', 'inherit', 'inherit'] });
  const [code] = await once(other, 'exit');
  console.log(`first: the second program exited with code ${code}`);

  console.log(`first: the block now holds [${shm.buf.subarray(0, 5).join(', ')}]`);
  console.log(`first: the list now holds ${JSON.stringify(sl.toArray())}`);
  shm.close();
  shm.unlink();
  sl.shm.close();
  sl.shm.unlink();
  console.log('first: closed and unlinked both');
}
