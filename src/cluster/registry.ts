// Who serves a cluster: each `multiproc worker` keeps one hash `NAME:worker:ID` (host, pid,
// processes, running, done, lastSeen) alive with a heartbeat; the key expires on its own when
// the worker dies, so the list never holds the dead for long. Read by cluster.workers(), the
// status command and the default chunk size of map.
import type { Redis } from './deps.js';

export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  processes: number;
  running: number;
  done: number;
  /** ms since the epoch of its last heartbeat. */
  lastSeen: number;
}

export const workerKey = (name: string, id: string) => `${name}:worker:${id}`;

export async function writeWorker(redis: Redis, name: string, w: WorkerRecord, ttlMs: number): Promise<void> {
  const key = workerKey(name, w.id);
  await redis
    .multi()
    .hset(key, { host: w.host, pid: String(w.pid), processes: String(w.processes), running: String(w.running), done: String(w.done), lastSeen: String(w.lastSeen) })
    .pexpire(key, Math.max(1000, Math.round(ttlMs)))
    .exec();
}

export async function removeWorker(redis: Redis, name: string, id: string): Promise<void> {
  await redis.del(workerKey(name, id));
}

const num = (v: string | undefined) => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

export async function readWorkers(redis: Redis, name: string): Promise<WorkerRecord[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${name}:worker:*`, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const pipe = redis.pipeline();
  for (const k of keys) pipe.hgetall(k);
  const rows = (await pipe.exec()) ?? [];
  const out: WorkerRecord[] = [];
  rows.forEach(([err, h], i) => {
    const r = h as Record<string, string> | null;
    if (err || !r || !r.pid) return;
    out.push({
      id: keys[i]!.slice(`${name}:worker:`.length),
      host: r.host ?? '',
      pid: num(r.pid),
      processes: num(r.processes),
      running: num(r.running),
      done: num(r.done),
      lastSeen: num(r.lastSeen),
    });
  });
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
