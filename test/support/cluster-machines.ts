// "Machines" for the cluster tests: each is a temp folder holding its own copy of
// test/fixtures/cluster (the code deployed on that machine) and a real `multiproc worker`
// process started from the built bin with that folder as --root, in its own process group
// (so a test can SIGKILL or SIGSTOP the whole machine). The submitting test uses the
// fixtures folder itself as its root: a task can only run if the worker resolves it in its copy.
// useCluster() is the usual suite setup: Redis, the machines' workers, a context; all gone after.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { startRedis, type RedisHandle } from './redis-server.js';
import { getContext, type ClusterContext } from '../../dist/esm/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(here, '..', 'fixtures', 'cluster');
export const BIN = path.resolve(here, '..', '..', 'dist', 'bin', 'multiproc.js');

/** A temp folder with a copy of the fixtures: one machine's deployment. */
export function makeMachine(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `mp-${label}-`));
  cpSync(FIXTURES, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface WorkerHandle {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signal the whole process group (the worker and its pool processes). */
  signalGroup(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export interface WorkerSpec {
  redis: string;
  name: string;
  dir: string;
  machine: string;
  key?: string;
  insecure?: boolean;
  processes?: number;
  context?: 'process' | 'thread';
  stalledTimeout?: number;
  connectTimeout?: number;
  /** Wait for `ready` (default true). */
  waitReady?: boolean;
}

export async function startWorker(s: WorkerSpec): Promise<WorkerHandle> {
  const args = [
    BIN,
    'worker',
    '--redis',
    s.redis,
    '--name',
    s.name,
    '--processes',
    String(s.processes ?? 2),
    '--root',
    s.dir,
    '--context',
    s.context ?? 'process',
    '--stalled-timeout',
    String(s.stalledTimeout ?? 4000),
    '--connect-timeout',
    String(s.connectTimeout ?? 4000),
  ];
  if (s.insecure) args.push('--insecure');
  const env: NodeJS.ProcessEnv = { ...process.env, MULTIPROC_TEST_MACHINE: s.machine };
  delete env.MULTIPROC_AUTHKEY;
  if (s.key !== undefined) env.MULTIPROC_AUTHKEY = s.key;
  const child = spawn(process.execPath, args, { cwd: s.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* gone */
    }
  };
  const handle: WorkerHandle = {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    signalGroup,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup('SIGCONT');
      signalGroup('SIGKILL');
      await exited;
    },
  };
  // Its process group is killed if this program exits first; the listener goes with the worker
  // (a suite starts dozens: one kept per worker tripped MaxListenersExceededWarning).
  const killAtExit = () => signalGroup('SIGKILL');
  process.once('exit', killAtExit);
  void exited.then(() => process.off('exit', killAtExit));
  if (s.waitReady === false) return handle;
  const end = Date.now() + 30_000;
  while (!/^ready$/m.test(out)) {
    if (child.exitCode !== null || Date.now() > end) {
      await handle.stop();
      throw new Error(`worker ${s.machine} did not print ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return handle;
}

export interface ClusterSetupSpec {
  /** The cluster name (queue and key prefix). */
  name: string;
  key: string;
  /** One worker "machine" each: its label (MULTIPROC_TEST_MACHINE) and local pool. */
  machines: { label: string; processes?: number; context?: 'process' | 'thread' }[];
  stalledTimeout?: number;
  connectTimeout?: number;
}

export interface ClusterSetup {
  readonly redis: RedisHandle;
  readonly cluster: ClusterContext;
  /** Workers and machine folders pushed here by a test are stopped and removed after, too. */
  readonly workers: WorkerHandle[];
  readonly machines: { remove(): void }[];
}

/**
 * The before/after hooks of a suite that runs against a private redis-server, one worker per
 * machine of `spec` (each in its own copy of the fixtures) and one cluster context rooted at
 * the fixtures; everything is closed, killed and removed after. Read the fields inside tests.
 */
export function useCluster(spec: ClusterSetupSpec): ClusterSetup {
  const timing = { stalledTimeout: spec.stalledTimeout ?? 4000, connectTimeout: spec.connectTimeout ?? 4000 };
  const setup = { workers: [], machines: [] } as unknown as { redis: RedisHandle; cluster: ClusterContext; workers: WorkerHandle[]; machines: { remove(): void }[] };
  before(async () => {
    setup.redis = await startRedis();
    const dirs = spec.machines.map((m) => makeMachine(m.label));
    setup.machines.push(...dirs);
    setup.workers.push(
      ...(await Promise.all(
        spec.machines.map((m, i) =>
          startWorker({
            redis: setup.redis.url,
            name: spec.name,
            dir: dirs[i]!.dir,
            machine: m.label,
            key: spec.key,
            processes: m.processes ?? 2,
            context: m.context ?? 'process',
            ...timing,
          }),
        ),
      )),
    );
    setup.cluster = getContext('cluster', { redis: setup.redis.url, name: spec.name, authKey: spec.key, root: FIXTURES, ...timing });
  });
  after(async () => {
    await setup.cluster?.close();
    await Promise.all(setup.workers.map((w) => w.stop()));
    for (const f of setup.machines) f.remove();
    await setup.redis?.stop();
  });
  return setup;
}
