// getContext(): the library's factories bound to one start method, as CPython's contexts.
import { Pipe, Connection } from './connection/connection.js';
import { wait } from './connection/wait.js';
import { Client, Listener } from './connection/listener.js';
import { Pool, type PoolOptions } from './pool/pool.js';
import { Process, type ProcessOptions } from './process/process.js';
import { activeChildren, cpuCount, currentProcess, parentProcess } from './process/current.js';
import { getLogger, logToStderr } from './runtime/logging.js';
import { getAllStartMethods, getStartMethod, normalizeMethod, setStartMethod, type StartMethod, type StartMethodName } from './runtime/start-method.js';
import { registerClass } from './codec/classes.js';
import { isMainEntry } from './runtime/entry.js';
import { JoinableQueue, Queue, SimpleQueue, kQueueContext } from './queue/queue.js';
import { Lock, RLock } from './sync/lock.js';
import { BoundedSemaphore, Semaphore } from './sync/semaphore.js';
import { Condition } from './sync/condition.js';
import { Event } from './sync/event.js';
import { Barrier } from './sync/barrier.js';
import { Manager, type SyncManager } from './manager/sync-manager.js';
import type { ManagerOptions } from './manager/base-manager.js';
import { RawValue, Value } from './values/value.js';
import { RawArray, SharedArray } from './values/shared-array.js';
import { SharedMemory } from './shm/shared-memory.js';
import { ShareableList } from './shm/shareable-list.js';
import { clusterContext, type ClusterContext } from './cluster/context.js';
import type { ClusterOptions } from './cluster/options.js';

export interface Context {
  readonly method: StartMethod;
  Process: typeof Process;
  Pool: typeof Pool;
  Pipe: typeof Pipe;
  Connection: typeof Connection;
  wait: typeof wait;
  Listener: typeof Listener;
  Client: typeof Client;
  Queue: typeof Queue;
  JoinableQueue: typeof JoinableQueue;
  SimpleQueue: typeof SimpleQueue;
  Lock: typeof Lock;
  RLock: typeof RLock;
  Semaphore: typeof Semaphore;
  BoundedSemaphore: typeof BoundedSemaphore;
  Condition: typeof Condition;
  Event: typeof Event;
  Barrier: typeof Barrier;
  Value: typeof Value;
  RawValue: typeof RawValue;
  SharedArray: typeof SharedArray;
  RawArray: typeof RawArray;
  SharedMemory: typeof SharedMemory;
  ShareableList: typeof ShareableList;
  /** Starts a manager whose server runs in this context's kind of worker. */
  Manager: typeof Manager;
  currentProcess: typeof currentProcess;
  parentProcess: typeof parentProcess;
  activeChildren: typeof activeChildren;
  cpuCount: typeof cpuCount;
  registerClass: typeof registerClass;
  isMainEntry: typeof isMainEntry;
  getLogger: typeof getLogger;
  logToStderr: typeof logToStderr;
  getStartMethod(): StartMethod;
  setStartMethod: typeof setStartMethod;
  getAllStartMethods: typeof getAllStartMethods;
  /** With no argument, this context itself (CPython's `ctx.get_context()`); else `getContext(method)`. */
  getContext(method?: StartMethodName): Context;
}

const contexts = new Map<StartMethod, Context>();

/**
 * The API with `Process` and `Pool` bound to `method` (default: the current start method).
 * `getContext('cluster', { redis, ... })`: the same API on every machine that runs
 * `multiproc worker` (one context per options object).
 */
export function getContext(method: 'cluster', options: ClusterOptions): ClusterContext;
export function getContext(method?: StartMethodName): Context;
export function getContext(method?: StartMethodName | 'cluster', options?: ClusterOptions): Context | ClusterContext {
  if (method === 'cluster') return clusterContext(options);
  const m = method === undefined ? getStartMethod() : normalizeMethod(method);
  const hit = contexts.get(m);
  if (hit) return hit;
  class ContextProcess<A extends unknown[] = unknown[]> extends Process<A> {
    constructor(options: ProcessOptions<A> = {}) {
      super({ context: m, ...options });
    }
  }
  Object.defineProperty(ContextProcess, 'name', { value: 'Process' });
  Object.defineProperty(ContextProcess, Symbol.for('multiproc.contextClass'), { value: true });
  class ContextPool extends Pool {
    constructor(options?: number | PoolOptions) {
      super(typeof options === 'number' || options === undefined ? { processes: options, context: m } : { context: m, ...options });
    }
  }
  Object.defineProperty(ContextPool, 'name', { value: 'Pool' });
  // Queues bound to m: a thread context's queue takes shared memory without the addon.
  class ContextQueue<T = unknown> extends Queue<T> {
    static override get [kQueueContext](): StartMethod {
      return m;
    }
  }
  class ContextJoinableQueue<T = unknown> extends JoinableQueue<T> {
    static override get [kQueueContext](): StartMethod {
      return m;
    }
  }
  class ContextSimpleQueue<T = unknown> extends SimpleQueue<T> {
    static override get [kQueueContext](): StartMethod {
      return m;
    }
  }
  for (const [cls, name] of [
    [ContextQueue, 'Queue'],
    [ContextJoinableQueue, 'JoinableQueue'],
    [ContextSimpleQueue, 'SimpleQueue'],
  ] as const) {
    Object.defineProperty(cls, 'name', { value: name });
  }
  const ctx: Context = {
    method: m,
    Process: ContextProcess as typeof Process,
    Pool: ContextPool,
    Pipe,
    Connection,
    wait,
    Listener,
    Client,
    Queue: ContextQueue,
    JoinableQueue: ContextJoinableQueue,
    SimpleQueue: ContextSimpleQueue,
    Value,
    RawValue,
    SharedArray,
    RawArray,
    SharedMemory,
    ShareableList,
    Lock,
    RLock,
    Semaphore,
    BoundedSemaphore,
    Condition,
    Event,
    Barrier,
    Manager: (options: ManagerOptions = {}): Promise<SyncManager> => Manager({ context: m, ...options }),
    currentProcess,
    parentProcess,
    activeChildren,
    cpuCount,
    registerClass,
    isMainEntry,
    getLogger,
    logToStderr,
    getStartMethod: () => m,
    setStartMethod,
    getAllStartMethods,
    getContext: (method?: StartMethodName): Context => (method === undefined ? ctx : getContext(method)),
  };
  contexts.set(m, ctx);
  return ctx;
}
