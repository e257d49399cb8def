// Seed 002, "multi-threaded" work queue: three workers Thread-1..Thread-3 (a subclass myThread with threadID, name and the queue) loop until an exit flag is set: under a shared lock, take a word from the queue if it is not empty and print "<name> processing <word>", then sleep. The main program fills a queue of capacity 10 with five words while holding the lock, waits until the queue is empty, sets the exit flag, joins the workers and prints "Exiting Main Thread".
// (The seed uses Python threads, queue.Queue and threading.Lock with a global exitFlag. Here the workers run in the thread context, the queue and lock are multiproc's, and the flag is an Event, since threads do not share module variables; the sleep is 100 ms instead of 1 s and the wait for an empty queue polls every 10 ms instead of spinning.)
import { setTimeout as sleep } from 'node:timers/promises';
import { Event, Lock, Process, Queue, isMainEntry } from 'multiproc';

export const TICK_MS = 100;

export class MyThread extends Process {
  constructor(
    public threadID: number,
    name: string,
    public q: Queue<string>,
    public queueLock: Lock,
    public exitFlag: Event,
  ) {
    super({ name, context: 'thread' });
  }

  override async run(): Promise<void> {
    console.log(`Starting ${this.name}`);
    await processData(this.name, this.q, this.queueLock, this.exitFlag);
    console.log(`Exiting ${this.name}`);
  }
}

export async function processData(threadName: string, q: Queue<string>, queueLock: Lock, exitFlag: Event): Promise<void> {
  while (!(await exitFlag.isSet())) {
    await queueLock.acquire();
    if (!(await q.empty())) {
      const data = await q.get();
      await queueLock.release();
      console.log(`${threadName} processing ${data}`);
    } else {
      await queueLock.release();
    }
    await sleep(TICK_MS);
  }
}

if (isMainEntry(import.meta.url)) {
  const threadList = ['Thread-1', 'Thread-2', 'Thread-3'];
  const nameList = ['One', 'Two', 'Three', 'Four', 'Five'];
  const queueLock = new Lock();
  const workQueue = new Queue<string>(10);
  const exitFlag = new Event();
  const threads: MyThread[] = [];
  let threadID = 1;

  // Create new threads
  for (const tName of threadList) {
    const thread = new MyThread(threadID, tName, workQueue, queueLock, exitFlag);
    thread.start();
    threads.push(thread);
    threadID += 1;
  }

  // Fill the queue
  await queueLock.acquire();
  for (const word of nameList) {
    await workQueue.put(word);
  }
  await queueLock.release();

  // Wait for queue to empty
  while (!(await workQueue.empty())) {
    await sleep(10);
  }

  // Notify threads it's time to exit
  await exitFlag.set();

  // Wait for all threads to complete
  for (const t of threads) {
    await t.join();
  }
  console.log('Exiting Main Thread');
}
