// Seed 005, beyond one machine: the same Pool, its tasks run by a `multiproc worker` through
// Redis. This example plays both terminals of the README walkthrough on one machine: it starts
// a private redis-server, starts `multiproc worker` (a separate program that shares nothing
// with this one but the Redis URL, the name and the key), sends it work through
// getContext('cluster', ...), then stops the worker with SIGTERM (it drains and exits 0).
// Without a redis-server on PATH it says so in one line and exits 0.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { getContext, isMainEntry } from 'multiproc';

/** Runs on the worker: it imports this module from its --root (this folder) by name. */
export function square(x: number): number {
  return x * x;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

if (isMainEntry(import.meta.url)) {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    console.log('skipped: no redis-server on PATH (Debian: apt-get install redis-server)');
    process.exit(0);
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  // Terminal 0: a Redis (here a private one, no persistence).
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  // Terminal 1: MULTIPROC_AUTHKEY=... npx multiproc worker --redis URL --name example --processes 2
  const bin = fileURLToPath(new URL('../bin/multiproc.js', import.meta.resolve('multiproc')));
  const key = 'example-key';
  let worker = spawn(process.execPath, [...process.execArgv, bin, 'worker', '--redis', url, '--name', 'example', '--processes', '2', '--root', here], {
    env: { ...process.env, MULTIPROC_AUTHKEY: key },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (let tries = 0; ; tries++) {
    let out = '';
    worker.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const [code] = await Promise.race([
      once(worker, 'exit'),
      (async () => {
        while (!out.includes('ready')) await sleep(20);
        return [null];
      })(),
    ]);
    if (code === null) break;
    // Redis may still be starting: the worker gives up on a refused connection; try again.
    if (tries === 20) throw new Error('the worker did not start');
    await sleep(250);
    worker = spawn(process.execPath, [...process.execArgv, bin, 'worker', '--redis', url, '--name', 'example', '--processes', '2', '--root', here], {
      env: { ...process.env, MULTIPROC_AUTHKEY: key },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  }
  console.log('worker: ready');

  // Terminal 2: this program, unchanged but for the context.
  const cluster = getContext('cluster', { redis: url, name: 'example', authKey: key, root: here });
  {
    await using pool = new cluster.Pool();
    console.log('map:', (await pool.map(square, [1, 2, 3, 4, 5])).join(' '));
    console.log('apply:', await pool.apply(square, [12]));
    const ws = await cluster.workers();
    console.log(`workers: ${ws.length}, processes: ${ws.map((w) => w.processes).join(', ')}`);
  }
  await cluster.close();
  worker.kill('SIGTERM');
  const [code] = await once(worker, 'exit');
  console.log(`worker: drained and exited with code ${code}`);
  redis.kill('SIGKILL');
}
