// Seed 003 (CSDN "Multiprocessing advanced applications in Python - process pools"), the Pool API: Pool(numprocess, initializer, initargs); apply returns the result; apply_async returns an AsyncResult (get(timeout) raises TimeoutError while not ready, ready(), successful(), wait(), get() re-raises a remote exception); map keeps order; map_async calls its callback with the list; imap is ordered, imap_unordered is not; close(), join(); cpu_count().
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, TimeoutError, cpuCount, isMainEntry } from 'multiproc';

let greeting = 'not initialized';

// The initializer runs once in every worker process as it starts.
export function init(word: string): void {
  greeting = word;
}

export function greet(name: string): string {
  return `${greeting}, ${name}`;
}

export function square(x: number): number {
  return x * x;
}

export async function slowSquare(x: number, ms: number): Promise<number> {
  await sleep(ms);
  return x * x;
}

export function fail(message: string): never {
  throw new Error(message);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function describe(e: unknown): string {
  const err = e as Error & { code?: string };
  return `${err.name}${err.code ? ` ${err.code}` : ''}: ${err.message}`;
}

if (isMainEntry(import.meta.url)) {
  console.log('cpuCount() >= 1:', cpuCount() >= 1);
  const pool = new Pool({ processes: 4, initializer: init, initArgs: ['hello'] });

  console.log('apply(greet):', await pool.apply(greet, ['pool']));
  console.log('apply(square, [7]):', await pool.apply(square, [7]));

  const r = pool.applyAsync(slowSquare, [8, 500]);
  console.log('ready() at once:', r.ready());
  try {
    r.successful();
    console.log('successful() before ready: no error');
  } catch (e) {
    console.log('successful() before ready throws', (e as { code?: string }).code);
  }
  try {
    await r.get(10);
    console.log('get(10): no error');
  } catch (e) {
    console.log('get(10) rejects TimeoutError:', e instanceof TimeoutError, (e as Error).name);
  }
  await r.wait();
  console.log('after wait(): ready()', r.ready(), 'successful()', r.successful());
  console.log('get():', await r.get());
  console.log('await r:', await r);

  const bad = pool.applyAsync(fail, ['There was an error!']);
  await bad.wait();
  console.log('failed task: ready()', bad.ready(), 'successful()', bad.successful());
  try {
    await bad.get();
    console.log('get(): no error');
  } catch (e) {
    console.log('get() rethrows', describe(e));
  }

  console.log('map:', JSON.stringify(await pool.map(square, range(10))));
  const m = pool.mapAsync(square, [1, 2, 3], {
    callback: (result: number[]) => console.log('mapAsync callback:', JSON.stringify(result)),
  });
  console.log('mapAsync get():', JSON.stringify(await m.get()));

  const ordered: number[] = [];
  for await (const v of pool.imap(square, range(8))) ordered.push(v);
  console.log('imap:', JSON.stringify(ordered));

  const unordered: number[] = [];
  for await (const v of pool.imapUnordered(square, range(8), { chunksize: 2 })) unordered.push(v);
  console.log('imapUnordered, sorted:', JSON.stringify(unordered.sort((a, b) => a - b)));

  pool.close();
  await pool.join();
  console.log('done');
}
