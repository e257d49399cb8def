// Raw Node floor for figure 6, run in a FRESH plain-node process by bench/run.ts:
//   --kind=thread   start two worker_threads (echo-worker.mjs), time until the first echoes once
//   --kind=process  fork two children (echo-child.mjs ipc), time until the first echoes once
// The first measurement in the process is "cold"; --reps more follow ("warm").
import { Worker } from 'node:worker_threads';
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const kind = (process.argv.find((a) => a.startsWith('--kind=')) ?? '--kind=thread').slice(7);
const reps = Number((process.argv.find((a) => a.startsWith('--reps=')) ?? '--reps=2').slice(7));

async function once() {
  const t0 = performance.now();
  if (kind === 'thread') {
    const ws = [0, 1].map(() => new Worker(path.join(here, 'echo-worker.mjs')));
    const got = await new Promise((res) => {
      ws[0].once('message', res);
      ws[0].postMessage({ id: 1, args: [1] });
    });
    const dt = performance.now() - t0;
    if (got.id !== 1) throw new Error('bad echo');
    await Promise.all(ws.map((w) => w.terminate()));
    return dt;
  }
  const cps = [0, 1].map(() => fork(path.join(here, 'echo-child.mjs'), ['ipc'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const got = await new Promise((res) => {
    cps[0].once('message', res);
    cps[0].send({ id: 1, args: [1] });
  });
  const dt = performance.now() - t0;
  if (got.id !== 1) throw new Error('bad echo');
  await Promise.all(
    cps.map(
      (cp) =>
        new Promise((r) => {
          cp.once('exit', r);
          cp.kill();
        }),
    ),
  );
  return dt;
}

const cold = [await once()];
const warm = [];
for (let i = 0; i < reps; i++) warm.push(await once());
process.stdout.write(JSON.stringify({ samples: { [`raw_${kind}_start_cold_ms`]: cold, [`raw_${kind}_start_warm_ms`]: warm }, errors: {} }) + '\n');
