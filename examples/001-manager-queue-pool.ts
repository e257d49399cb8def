// Seed 001 (进程池中的 Queue): a Manager().Queue() shared by Pool tasks: writer(q) puts the letters of "helloworld"; one second later reader(q) takes q.qsize() items and prints each; both print their pid and their parent's pid (the main program); "(<pid>) start" and "(<pid>) End" frame the output.
// (CPython needs the Manager's Queue here because its plain Queue cannot be a Pool task argument; multiproc accepts both, this port keeps the seed's Manager queue.)
import { setTimeout as sleep } from 'node:timers/promises';
import { Manager, Pool, isMainEntry, type Queue } from 'multiproc';

export async function reader(q: Queue<string>): Promise<void> {
  console.log(`reader启动(${process.pid}),父进程为(${process.ppid})`);
  const n = await q.qsize();
  for (let i = 0; i < n; i++) {
    console.log(`reader从Queue获取到消息:${await q.get({ block: true })}`);
  }
}

export async function writer(q: Queue<string>): Promise<void> {
  console.log(`writer启动(${process.pid}),父进程为(${process.ppid})`);
  for (const ch of 'helloworld') {
    await q.put(ch);
  }
}

if (isMainEntry(import.meta.url)) {
  console.log(`(${process.pid}) start`);
  await using manager = await Manager();
  const q = await manager.Queue<string>(); // the Manager's Queue
  const po = new Pool();
  const written = po.applyAsync(writer, [q]);
  // Let the writer fill the queue before the reader starts taking from it. The seed sleeps 1 s;
  // a TypeScript worker can take about that long to start here, so also wait for the writer's task.
  await Promise.all([sleep(1000), written.wait()]);
  po.applyAsync(reader, [q]);
  po.close();
  await po.join();
  console.log(`(${process.pid}) End`);
}
