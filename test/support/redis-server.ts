// A private redis-server for the cluster tests: started from PATH on a free port, with no
// persistence, killed (and restartable on the same port) by the test. Never the machine's own
// Redis on 6379. MULTIPROC_TEST_REDIS=redis://... uses an existing server instead (then the
// tests that kill Redis are skipped, since they cannot kill it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export interface RedisHandle {
  url: string;
  port: number;
  /** False when MULTIPROC_TEST_REDIS points at a server this helper did not start. */
  owned: boolean;
  pid: number | undefined;
  /** SIGKILL the server (no-op when not owned). */
  kill(): Promise<void>;
  /** Start it again on the same port (after kill()). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Why no Redis can be had here, or undefined when one can. */
export function redisUnavailable(): string | undefined {
  if (process.env.MULTIPROC_TEST_REDIS) return undefined;
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return 'no redis-server on PATH: install it (Debian: apt-get install redis-server) or set MULTIPROC_TEST_REDIS=redis://host:port';
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function reachable(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.write('PING\r\n');
      });
      c.once('data', (d) => {
        c.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Starts a private server (or wraps MULTIPROC_TEST_REDIS). Call stop() in an after hook. */
export async function startRedis(): Promise<RedisHandle> {
  const external = process.env.MULTIPROC_TEST_REDIS;
  if (external) {
    const port = Number(new URL(external).port || 6379);
    return { url: external, port, owned: false, pid: undefined, kill: async () => {}, restart: async () => {}, stop: async () => {} };
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    const c = child;
    // Unref'd so a forgotten stop() cannot keep a test file alive; killed at exit regardless.
    c.unref();
    const killAtExit = () => {
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    };
    process.once('exit', killAtExit);
    c.once('exit', () => process.off('exit', killAtExit));
    if (!(await reachable(port, 20_000))) {
      c.kill('SIGKILL');
      throw new Error(`private redis-server on port ${port} did not answer within 20 s`);
    }
    handle.pid = c.pid;
  };
  const killNow = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.ref(); // keep the loop alive until its exit is seen
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  const handle: RedisHandle = {
    url: `redis://127.0.0.1:${port}`,
    port,
    owned: true,
    pid: undefined,
    kill: killNow,
    restart: launch,
    stop: killNow,
  };
  await launch();
  return handle;
}
