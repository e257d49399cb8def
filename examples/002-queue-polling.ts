// Seed 002, communication through a Queue(5): processA polls the queue, printing "queue is empty <qsize>" when empty() is true, else "get msg <msg>", then sleeps a tick; processB puts 'hello world', prints "put hello world queue size is <qsize>", then sleeps three ticks. The parent creates the queue, passes it to both as an argument and prints "processA start..".
// (The seed's loops run forever, a tick is 1 s and its text shows only one start() call: here both processes start, a tick is 100 ms, B puts MESSAGES messages and A stops once it got them all, so the program ends. The seed's garbled test "if () > 0" reads as msgQueue.empty().)
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, Queue, isMainEntry } from 'multiproc';

export const TICK_MS = 100;
export const MESSAGES = 3;

export async function startA(msgQueue: Queue<string>): Promise<void> {
  let got = 0;
  while (got < MESSAGES) {
    if (await msgQueue.empty()) {
      console.log(`queue is empty ${await msgQueue.qsize()}`);
    } else {
      const msg = await msgQueue.get();
      console.log(`get msg ${msg}`);
      got++;
    }
    await sleep(TICK_MS);
  }
}

export async function startB(msgQueue: Queue<string>): Promise<void> {
  for (let i = 0; i < MESSAGES; i++) {
    await msgQueue.put('hello world');
    console.log(`put hello world queue size is ${await msgQueue.qsize()}`);
    await sleep(3 * TICK_MS);
  }
}

if (isMainEntry(import.meta.url)) {
  const MSG_QUEUE = new Queue<string>(5);
  const processA = new Process({ target: startA, args: [MSG_QUEUE] });
  const processB = new Process({ target: startB, args: [MSG_QUEUE] });
  processA.start();
  processB.start();
  console.log('processA start..');
}
