// getContext('cluster', options): the same API with Pool and Process tasks run by every
// machine that runs `multiproc worker` for this cluster, and shared objects on Redis. Objects
// that can only live in one machine's memory (Value, SharedArray, SharedMemory, Pipe, ...)
// throw ERR_NOT_SUPPORTED_IN_CONTEXT. bullmq and ioredis are imported on first use; their
// absence is reported at once (ERR_CLUSTER_DEPENDENCY) by a synchronous resolve.
import { createRequire } from 'node:module';
import { errors } from '../errors.js';
import { registerClass } from '../codec/classes.js';
import { isMainEntry } from '../runtime/entry.js';
import { getLogger, logToStderr } from '../runtime/logging.js';
import { cpuCount } from '../process/current.js';
import { resolveClusterOptions, type ClusterOptions } from './options.js';
import { ClusterCore } from './core.js';
import { ClusterPool, type ClusterPoolOptions } from './pool.js';
import { ClusterProcess, type ClusterProcessOptions } from './process.js';
import { clusterObjects, createLink, type ClusterObjects } from './objects/index.js';
import type { WorkerRecord } from './registry.js';

export type { WorkerRecord } from './registry.js';

type Unsupported = (...args: never[]) => never;

export interface ClusterContext extends ClusterObjects {
  readonly method: 'cluster';
  /** The cluster's name: its BullMQ queue and every Redis key start with it. */
  readonly name: string;
  /** A Pool whose tasks run on the cluster's workers. */
  Pool: new (options?: number | ClusterPoolOptions) => ClusterPool;
  /** One target run as a task on some worker machine. */
  Process: new <A extends unknown[] = unknown[]>(options?: ClusterProcessOptions<A>) => ClusterProcess<A>;
  /** The live workers: [{ id, host, pid, processes, running, done, lastSeen }]. */
  workers(): Promise<WorkerRecord[]>;
  /**
   * Ends this program's Redis connections; pending tasks reject with ERR_CLUSTER_UNAVAILABLE.
   * Open connections keep a program running: close the context when done (or `await using`).
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  Value: Unsupported;
  RawValue: Unsupported;
  SharedArray: Unsupported;
  RawArray: Unsupported;
  SharedMemory: Unsupported;
  ShareableList: Unsupported;
  Pipe: Unsupported;
  cpuCount: typeof cpuCount;
  registerClass: typeof registerClass;
  isMainEntry: typeof isMainEntry;
  getLogger: typeof getLogger;
  logToStderr: typeof logToStderr;
  getStartMethod(): 'cluster';
}

function checkDependencies(): void {
  const req = createRequire(import.meta.url);
  for (const pkg of ['bullmq', 'ioredis']) {
    try {
      req.resolve(pkg);
    } catch (cause) {
      throw errors.clusterDependency(`the cluster context needs the optional packages bullmq and ioredis (${pkg} is not installed): npm install bullmq ioredis`, { cause });
    }
  }
}

const unsupported = (what: string, instead: string): Unsupported => {
  const f = (): never => {
    throw errors.notSupportedInContext(`${what} lives in one machine's memory and has no cluster form; ${instead}`);
  };
  Object.defineProperty(f, 'name', { value: what });
  return f;
};

const contexts = new WeakMap<object, ClusterContext>();

export function clusterContext(options: ClusterOptions | undefined): ClusterContext {
  const hit = options && typeof options === 'object' ? contexts.get(options) : undefined;
  if (hit) return hit;
  const resolved = resolveClusterOptions(options);
  checkDependencies();
  const core = new ClusterCore(resolved);
  const link = createLink(resolved);
  class Pool extends ClusterPool {
    constructor(o?: number | ClusterPoolOptions) {
      super(core, o);
    }
  }
  class Process<A extends unknown[] = unknown[]> extends ClusterProcess<A> {
    constructor(o?: ClusterProcessOptions<A>) {
      super(core, o);
    }
  }
  const useManager = 'use a cluster Manager dict or Namespace (await cluster.Manager())';
  const ctx: ClusterContext = {
    method: 'cluster',
    name: resolved.name,
    Pool,
    Process,
    ...clusterObjects(link),
    workers: () => core.workers(true),
    close: async () => {
      await Promise.all([core.close(), link.close()]);
    },
    [Symbol.asyncDispose]: async () => {
      await Promise.all([core.close(), link.close()]);
    },
    Value: unsupported('Value', useManager),
    RawValue: unsupported('RawValue', useManager),
    SharedArray: unsupported('SharedArray', useManager),
    RawArray: unsupported('RawArray', useManager),
    SharedMemory: unsupported('SharedMemory', useManager),
    ShareableList: unsupported('ShareableList', useManager),
    Pipe: unsupported('Pipe', 'use a cluster.Queue to pass values between machines'),
    cpuCount,
    registerClass,
    isMainEntry,
    getLogger,
    logToStderr,
    getStartMethod: () => 'cluster',
  };
  contexts.set(options as object, ctx);
  return ctx;
}
