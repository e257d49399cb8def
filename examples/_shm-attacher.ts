// The second program of 004-shared-memory-by-name.ts (not run by run-all on its own):
// `node --import tsx examples/_shm-attacher.ts <block name> <list name>` attaches to the
// SharedMemory block and the ShareableList the first program created, by name, and changes them.
import { SharedMemory, ShareableList, isMainEntry } from 'multiproc';

if (isMainEntry(import.meta.url)) {
  const [blockName, listName] = process.argv.slice(2);
  const shm = new SharedMemory({ name: blockName });
  console.log(`second: attached to '${shm.name}' (${shm.size} bytes) holding [${shm.buf.subarray(0, 5).join(', ')}]`);
  for (let i = 0; i < 5; i++) shm.buf[i]! *= 10;
  console.log('second: multiplied them by 10');
  shm.close(); // not unlink(): the first program owns the block

  const sl = new ShareableList<string | number | null>(undefined, { name: listName });
  console.log(`second: attached to the list ${JSON.stringify(sl.toArray())}`);
  sl.set(0, 'hi');
  sl.set(1, (sl.get(1) as number) + 1);
  sl.set(-1, 'set');
  sl.shm.close();
}
