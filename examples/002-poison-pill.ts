// Seed 002, consumers with a poison pill: cpuCount()*2 Consumer processes (a Process subclass holding a JoinableQueue of tasks and a Queue of results) take Task objects, print "<Consumer-k>: <a> * <b>", call the task (it sleeps 0.1 s and returns "<a> * <b> = <a*b>"), mark it done and put the answer on the result queue; a null (the poison pill) makes a consumer print "<name>: Exiting" and stop. The parent puts 10 tasks and one pill per consumer, joins the task queue, then prints 10 "Result: ..." lines.
// (Python calls the task through __call__ and prints it through __str__; here Task has call() and toString(). Task and Consumer are exported so that the processes revive them with their methods.)
import { setTimeout as sleep } from 'node:timers/promises';
import { JoinableQueue, Process, Queue, cpuCount, isMainEntry } from 'multiproc';

export class Task {
  constructor(
    public a: number,
    public b: number,
  ) {}

  async call(): Promise<string> {
    await sleep(100); // pretend to take some time to do the work
    return `${this.a} * ${this.b} = ${this.a * this.b}`;
  }

  toString(): string {
    return `${this.a} * ${this.b}`;
  }
}

export class Consumer extends Process {
  constructor(
    public taskQueue: JoinableQueue<Task | null>,
    public resultQueue: Queue<string>,
  ) {
    super();
  }

  override async run(): Promise<void> {
    const procName = this.name;
    for (;;) {
      const nextTask = await this.taskQueue.get();
      if (nextTask === null) {
        // Poison pill means shutdown
        console.log(`${procName}: Exiting`);
        await this.taskQueue.taskDone();
        break;
      }
      console.log(`${procName}: ${nextTask}`);
      const answer = await nextTask.call();
      await this.taskQueue.taskDone();
      await this.resultQueue.put(answer);
    }
  }
}

if (isMainEntry(import.meta.url)) {
  // Establish communication queues
  const tasks = new JoinableQueue<Task | null>();
  const results = new Queue<string>();

  // Start consumers
  const numConsumers = cpuCount() * 2;
  console.log(`Creating ${numConsumers} consumers`);
  const consumers = Array.from({ length: numConsumers }, () => new Consumer(tasks, results));
  for (const w of consumers) {
    w.start();
  }

  // Enqueue jobs
  let numJobs = 10;
  for (let i = 0; i < numJobs; i++) {
    await tasks.put(new Task(i, i));
  }

  // Add a poison pill for each consumer
  for (let i = 0; i < numConsumers; i++) {
    await tasks.put(null);
  }

  // Wait for all of the tasks to finish
  await tasks.join();

  // Start printing results
  while (numJobs) {
    const result = await results.get();
    console.log('Result:', result);
    numJobs -= 1;
  }
}
