// Async user code that rejects (an onProgress, an event listener, a callback, an
// errorCallback) is reported as a warning like a throwing one; the program keeps running and
// ends normally instead of dying of an unhandled rejection.
import { Pool, isMainEntry } from 'multiproc';

export function double(x) {
  return x * 2;
}
export function fail() {
  throw new Error('task failed');
}

if (isMainEntry(import.meta.url)) {
  const [context = 'process'] = process.argv.slice(2);
  const warnings = [];
  process.on('warning', (w) => {
    if (w.code === 'MULTIPROC_CALLBACK_ERROR') warnings.push(w.message.split('\n')[0]);
  });
  const pool = new Pool({ processes: 1, context });
  const rejectLater = (what) => async () => {
    await new Promise((r) => setTimeout(r, 1));
    throw new Error(`${what} rejected`);
  };
  pool.on('drain', rejectLater('drain'));
  const r = await pool.map(double, [1, 2, 3], { onProgress: rejectLater('onProgress') });
  const a = await pool.applyAsync(double, [5], { callback: rejectLater('callback') }).get();
  await pool.applyAsync(fail, [], { errorCallback: rejectLater('errorCallback') }).wait();
  // Let the rejections and the last 'drain' happen before the pool ends.
  await new Promise((res) => setTimeout(res, 300));
  pool.close();
  await pool.join();
  await new Promise((res) => setTimeout(res, 100));
  console.log(JSON.stringify({ r, a, warnings: [...new Set(warnings)].sort() }));
}
