// The ClusterLink implementation: ioredis connections for the shared objects of one cluster
// context (or of the tasks a `multiproc worker` runs). Semantics every object relies on:
// - A call made while Redis is unreachable waits for it at most `connectTimeout`, then
//   rejects with ProcessError ERR_CLUSTER_UNAVAILABLE; nothing is queued to run later.
// - A command in flight when the connection drops rejects at once with ERR_CLUSTER_UNAVAILABLE
//   (ioredis' maxRetriesPerRequest 0): a blocking wait never hangs on a dead Redis.
// - Connections reconnect by themselves (forever, with backoff), so calls work again as soon
//   as Redis is back.
// - Blocking commands (BLPOP, BLMOVE, ...) run on dedicated connections, reused when idle.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { loadIORedis, type Redis, type RedisOptions } from '../deps.js';
import { resolveClusterOptions, type ResolvedClusterOptions } from '../options.js';
import { globalSingleton } from '../../util/state.js';
import type { ClusterLink } from './link.js';
import { LeaseKeeper } from './leases.js';
import { unavailable } from './link-errors.js';
import { deleteKeysUnder } from './cleanup.js';

export { unavailable, asLinkError } from './link-errors.js';

/** Env a `multiproc worker` sets so tasks (and their children) reach the same Redis. */
export const ENV_URL = 'MULTIPROC_CLUSTER_URL';
export const ENV_NAME = 'MULTIPROC_CLUSTER_NAME';
export const ENV_STALLED = 'MULTIPROC_CLUSTER_STALLED_TIMEOUT';
export const ENV_CONNECT = 'MULTIPROC_CLUSTER_CONNECT_TIMEOUT';

/** What objects use beyond the ClusterLink contract: leases renewed while this process lives. */
export interface ClusterLinkImpl extends ClusterLink {
  readonly leases: LeaseKeeper;
  /** True once close() was called. */
  readonly closed: boolean;
  /** Objects made through this link (key prefixes): close() deletes their keys. */
  own(prefix: string): void;
  disown(prefix: string): void;
}

function connectionOptions(redis: string | RedisOptions, connectTimeout: number): { url?: string; options: RedisOptions } {
  const base: RedisOptions = {
    lazyConnect: true,
    // Never queue commands for later: a call waits for `ready` itself, bounded by connectTimeout.
    enableOfflineQueue: false,
    // A command in flight when the connection drops rejects at once instead of being resent
    // after a reconnect that may never come.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: Math.min(connectTimeout, 10_000),
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    enableReadyCheck: true,
  };
  if (typeof redis === 'string') return { url: redis, options: base };
  return { options: { ...redis, ...base } };
}

class Link implements ClusterLinkImpl {
  readonly name: string;
  readonly stalledTimeout: number;
  readonly connectTimeout: number;
  readonly holderId = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  readonly leases: LeaseKeeper;
  closed = false;
  private readonly owned = new Set<string>();
  private shared: Redis | undefined;
  private readonly idle: Redis[] = [];
  private readonly all = new Set<Redis>();
  private readonly conn: { url?: string; options: RedisOptions };

  constructor(options: ResolvedClusterOptions) {
    this.name = options.name;
    this.stalledTimeout = options.stalledTimeout;
    this.connectTimeout = options.connectTimeout;
    this.conn = connectionOptions(options.redis, options.connectTimeout);
    this.leases = new LeaseKeeper(this);
    links.set(this.name, this);
  }

  private async open(): Promise<Redis> {
    if (this.closed) throw unavailable('this cluster context was closed');
    const RedisCtor = await loadIORedis();
    // close() may have run while ioredis loaded: a connection made now would outlive it.
    if (this.closed) throw unavailable('this cluster context was closed');
    const c = this.conn.url !== undefined ? new RedisCtor(this.conn.url, this.conn.options) : new RedisCtor(this.conn.options);
    // Errors surface through the calls; an 'error' listener keeps them from crashing the process.
    c.on('error', () => {});
    const waiters = new Set<(ok: boolean) => void>();
    this.readyWaiters.set(c, waiters);
    c.on('ready', () => {
      for (const w of [...waiters]) w(true);
    });
    c.on('end', () => {
      for (const w of [...waiters]) w(false);
    });
    this.all.add(c);
    c.connect().catch(() => {
      /* retried by retryStrategy; calls time out on their own */
    });
    return c;
  }

  /**
   * Resolves once `c` is ready, or rejects ERR_CLUSTER_UNAVAILABLE after connectTimeout. The
   * waiters of one connection share its one `ready` and `end` listener (calls made while Redis
   * is away would each add their own).
   */
  private ready(c: Redis): Promise<Redis> {
    if (c.status === 'ready') return Promise.resolve(c);
    if (this.closed || c.status === 'end') return Promise.reject(unavailable('this cluster context was closed'));
    const waiters = this.readyWaiters.get(c);
    if (!waiters) return Promise.reject(unavailable('this cluster context was closed'));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(settle);
        this.waitingForReady.delete(onEnd);
      };
      const settle = (ok: boolean) => {
        done();
        if (ok) resolve(c);
        else reject(unavailable('this cluster context was closed'));
      };
      const onEnd = () => settle(false);
      const timer = setTimeout(() => {
        done();
        reject(unavailable(`no connection within connectTimeout (${this.connectTimeout} ms)`));
      }, this.connectTimeout);
      waiters.add(settle);
      this.waitingForReady.add(onEnd);
    });
  }
  private readonly readyWaiters = new WeakMap<Redis, Set<(ok: boolean) => void>>();
  private readonly waitingForReady = new Set<() => void>();

  async command(): Promise<Redis> {
    // One shared connection, even when the first calls arrive together.
    this.opening ??= this.open();
    this.shared ??= await this.opening.catch((e: unknown) => {
      this.opening = undefined;
      throw e;
    });
    return this.ready(this.shared);
  }
  private opening: Promise<Redis> | undefined;

  async blocking(): Promise<Redis> {
    let c = this.idle.pop();
    while (c && c.status === 'end') c = this.idle.pop();
    c ??= await this.open();
    try {
      return await this.ready(c);
    } catch (e) {
      // Keep it for the next wait: it reconnects by itself.
      if (!this.closed && c.status !== 'end') this.idle.push(c);
      throw e;
    }
  }

  release(conn: Redis): void {
    if (this.closed || conn.status === 'end' || this.idle.length >= 8) {
      this.drop(conn);
      return;
    }
    this.idle.push(conn);
  }

  /** Ends one connection (a blocking command on it rejects): how a timed-out or aborted wait stops. */
  drop(conn: Redis): void {
    this.all.delete(conn);
    conn.disconnect(false);
  }

  own(prefix: string): void {
    this.owned.add(prefix);
  }
  disown(prefix: string): void {
    this.owned.delete(prefix);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // The objects this context made go with it (bounded: each call gives up after connectTimeout).
    if (this.owned.size > 0) {
      const prefixes = [...this.owned];
      this.owned.clear();
      await Promise.all(prefixes.map((p) => deleteKeysUnder(this, p).catch(() => 0)));
    }
    this.closed = true;
    this.leases.stop();
    if (links.get(this.name) === this) links.delete(this.name);
    for (const wake of [...this.waitingForReady]) wake();
    const conns = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    this.shared = undefined;
    this.opening = undefined;
    for (const c of conns) c.disconnect(false);
  }
}

/** Live links of this thread by name: a reference revived where its context lives uses that context's link. */
const links = globalSingleton('clusterLinks', () => new Map<string, ClusterLinkImpl>());

/** A link for one cluster context. Connects lazily (first call), so making one never throws on a dead Redis. */
export function createLink(options: ResolvedClusterOptions): ClusterLinkImpl {
  return new Link(options);
}

/** The link made in this thread for cluster `name`, if any. */
export function linkNamed(name: string): ClusterLinkImpl | undefined {
  const l = links.get(name);
  return l && !l.closed ? l : undefined;
}

const fromEnv = globalSingleton('clusterEnvLink', () => ({ link: undefined as ClusterLinkImpl | undefined }));

function envMs(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Inside a task run by a `multiproc worker` (env MULTIPROC_CLUSTER_URL and _NAME set): the
 * link of this process/thread, made once. Undefined elsewhere.
 */
export function currentLink(): ClusterLinkImpl | undefined {
  if (fromEnv.link && !fromEnv.link.closed) return fromEnv.link;
  const url = process.env[ENV_URL];
  const name = process.env[ENV_NAME];
  if (!url || !name) return undefined;
  const options = resolveClusterOptions({ redis: url, name, stalledTimeout: envMs(ENV_STALLED), connectTimeout: envMs(ENV_CONNECT) });
  const link = new Link(options);
  fromEnv.link = link;
  return link;
}
