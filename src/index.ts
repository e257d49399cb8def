// multiproc: Python's multiprocessing for TypeScript on Node.js.
import { detectTsx } from './runtime/tsx.js';
import './connection/connection.js';

detectTsx();

export { Process, type ProcessOptions } from './process/process.js';
export { currentProcess, parentProcess, activeChildren, cpuCount, CurrentProcess, ParentProcess } from './process/current.js';
export {
  Pool,
  type PoolOptions,
  type MapOptions,
  type AsyncOptions,
  type MapAsyncOptions,
  type SubmitOptions,
  type PoolEvents,
  type WorkerStartInfo,
  type WorkerExitInfo,
  type PoolStats,
  type TimeSummary,
  type Progress,
  type ProgressOptions,
  type ProgressBarOptions,
  type ProgressStream,
} from './pool/pool.js';
export { taskSignal } from './pool/task-signal.js';
export { AsyncResult } from './pool/async-result.js';
export { ImapIterator } from './pool/imap.js';
export { Pipe, Connection } from './connection/connection.js';
export { wait } from './connection/wait.js';
export { Listener, Client, type Address, type ListenerOptions, type ClientOptions } from './connection/listener.js';
export { Queue, JoinableQueue, SimpleQueue, type IterOptions } from './queue/queue.js';
export { Lock, RLock, type Held } from './sync/lock.js';
export { Semaphore, BoundedSemaphore } from './sync/semaphore.js';
export { Condition } from './sync/condition.js';
export { Event } from './sync/event.js';
export { Barrier, type BarrierOptions } from './sync/barrier.js';
export type { WaitOptions } from './hub/proxy.js';
export { BaseManager, type ManagerOptions } from './manager/base-manager.js';
export { SyncManager, Manager } from './manager/sync-manager.js';
export { Value, RawValue, SharedValue, SynchronizedValue, type LockOption } from './values/value.js';
export { SharedArray, RawArray, type SharedArrayLike, type ByteArrayLike, type RawArrayOf, type SynchronizedArrayOf, type ArrayInit } from './values/shared-array.js';
export { SharedMemory, type SharedMemoryOptions } from './shm/shared-memory.js';
export { ShareableList, type ShareableValue, type ShareableListOptions } from './shm/shareable-list.js';
export { SharedMemoryManager } from './shm/shared-memory-manager.js';
export { TYPECODES, type Typecode, type ValueOf, type ViewOf } from './shm/typecodes.js';
export { DictProxy, ListProxy, SetProxy, NamespaceProxy, ValueProxy, ArrayProxy, RegisteredProxy, type RemoteProxy, type RemoteMethods } from './manager/proxies.js';
export type { RegisterOptions } from './manager/registry.js';
export { registerClass, type ClassOptions } from './codec/classes.js';
export { isMainEntry } from './runtime/entry.js';
export { getLogger, logToStderr, Logger, LEVELS, type LevelName } from './runtime/logging.js';
export { setStartMethod, getStartMethod, getAllStartMethods, type StartMethod, type StartMethodName } from './runtime/start-method.js';
export { getContext, type Context } from './context.js';
export type { ClusterContext, WorkerRecord } from './cluster/context.js';
export type { ClusterOptions } from './cluster/options.js';
export { ClusterPool, type ClusterPoolOptions } from './cluster/pool.js';
export { ClusterProcess, type ClusterProcessOptions } from './cluster/process.js';
export { ProcessError, BufferTooShort, AuthenticationError, TimeoutError, WorkerLostError, RemoteError, Empty, Full, ShutDown, BrokenBarrierError, EOFError } from './errors.js';
