// Run with MULTIPROC_NATIVE=0: a queue refuses shared memory by its own context, not by the
// program's default start method. A thread context's queue takes a SharedArray (its readers are
// threads of this process); a process context's queue refuses it, even after
// setStartMethod('thread').
import { getContext, isMainEntry, setStartMethod } from 'multiproc';

if (isMainEntry(import.meta.url)) {
  const code = async (f: () => Promise<unknown>): Promise<string> => {
    try {
      await f();
      return 'accepted';
    } catch (e) {
      return String((e as { code?: string }).code);
    }
  };
  const thread = getContext('thread');
  const tq = new thread.Queue<Int32Array | unknown>();
  const shared = thread.SharedArray('i', 4);
  const put = await code(() => tq.put(shared));
  console.log('thread queue', put);
  const back = put === 'accepted' ? await tq.get({ timeout: 20 }) : null;
  console.log('thread queue item', back !== null && typeof back === 'object' ? 'arrived' : 'missing');
  tq.close();
  setStartMethod('thread');
  const pq = new (getContext('process').Queue)<unknown>();
  console.log('process queue', await code(() => pq.put(thread.SharedArray('i', 4))));
  pq.close();
  const jq = new (getContext('process').JoinableQueue)<unknown>();
  console.log('process joinable queue', await code(() => jq.put(thread.SharedArray('i', 4))));
  jq.close();
}
