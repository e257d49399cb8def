// Helpers of the cluster-objects tests: links on a private Redis, a raw ioredis client to
// count keys, and child processes (separate OS processes) that revive references on
// currentLink() from the worker env, as tasks of a `multiproc worker` do.
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { encode } from '../../dist/esm/internal.js';
import { createLink, type ClusterLinkImpl } from '../../dist/esm/internal.js';
import { clusterObjects, type ClusterObjects } from '../../dist/esm/internal.js';
import { resolveClusterOptions } from '../../dist/esm/internal.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, '..', 'fixtures', 'cluster-objects-child.ts');

export const uniqueName = (tag: string) => `t${tag}${randomBytes(3).toString('hex')}`;

export interface Side {
  link: ClusterLinkImpl;
  o: ClusterObjects;
}

export function side(url: string, name: string, opts: { stalledTimeout?: number; connectTimeout?: number } = {}): Side {
  const link = createLink(resolveClusterOptions({ redis: url, name, stalledTimeout: opts.stalledTimeout ?? 20_000, connectTimeout: opts.connectTimeout ?? 5000 }));
  return { link, o: clusterObjects(link) };
}

/** Every key under `name:` (SCAN, as a user would look). */
export async function keysOf(url: string, name: string): Promise<string[]> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out.sort();
  } finally {
    r.disconnect();
  }
}

export interface Child {
  proc: ChildProcess;
  lines: unknown[];
  /** Resolves the first line equal to `v` (JSON-equal), or rejects after `ms`. */
  line(v: unknown, ms?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Starts the child fixture in its own OS process with the worker env set. */
export function child(url: string, name: string, scenario: string, args: unknown[], env: Record<string, string> = {}): Child {
  const hex = Buffer.from(encode(args)).toString('hex');
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, scenario, hex], {
    env: { ...process.env, MULTIPROC_CLUSTER_URL: url, MULTIPROC_CLUSTER_NAME: name, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: unknown[] = [];
  const waiters: { v: string; resolve: () => void }[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(text));
      } catch {
        lines.push(text);
      }
      for (const w of [...waiters])
        if (w.v === text) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
    }
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    lines,
    exited,
    line(v, ms = 60_000) {
      const text = JSON.stringify(v);
      if (lines.some((l) => JSON.stringify(l) === text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child ${scenario} did not print ${text} within ${ms} ms (printed ${JSON.stringify(lines)})`)), ms);
        waiters.push({
          v: text,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
        void exited.then(() =>
          setTimeout(() => {
            clearTimeout(t);
            reject(new Error(`child ${scenario} exited without printing ${text} (printed ${JSON.stringify(lines)})`));
          }, 50),
        );
      });
    },
  };
}

/** Waits for a child to end; fails unless it printed 'done' and exited 0. */
export async function finished(c: Child, ms = 60_000): Promise<unknown[]> {
  await c.line('done', ms);
  const { code } = await c.exited;
  if (code !== 0) throw new Error(`child exited with ${code}: ${JSON.stringify(c.lines)}`);
  return c.lines;
}

export interface ThreadChild {
  worker: Worker;
  lines: unknown[];
  line(v: unknown, ms?: number): Promise<void>;
  exited: Promise<number>;
}

/** Runs the same fixture in a worker thread of this process (its own currentLink(), its own holder id). */
export function threadChild(url: string, name: string, scenario: string, args: unknown[], env: Record<string, string> = {}): ThreadChild {
  const hex = Buffer.from(encode(args)).toString('hex');
  // tsx's loader is registered per thread: the thread registers it, then imports the fixture.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(CHILD).href)}); })`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: [scenario, hex],
    env: { ...process.env, MULTIPROC_CLUSTER_URL: url, MULTIPROC_CLUSTER_NAME: name, ...env },
  });
  const lines: unknown[] = [];
  const waiters: { v: string; resolve: () => void }[] = [];
  worker.on('message', (m: unknown) => {
    lines.push(m);
    const text = JSON.stringify(m);
    for (const w of [...waiters])
      if (w.v === text) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  worker.on('error', (e) => {
    lines.push({ error: String(e) });
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return {
    worker,
    lines,
    exited,
    line(v, ms = 60_000) {
      const text = JSON.stringify(v);
      if (lines.some((l) => JSON.stringify(l) === text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`thread ${scenario} did not post ${text} within ${ms} ms (posted ${JSON.stringify(lines)})`)), ms);
        waiters.push({
          v: text,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
  };
}
