// What the scheduler (scheduler.ts) is configured with, what it tells its owner, and what it
// says about its workers: the contract between Pool and its engine.
import type { FnRef } from '../functions/reference.js';
import type { StartMethod } from '../runtime/start-method.js';

export type PoolState = 'RUN' | 'CLOSE' | 'TERMINATE';

export interface SchedulerConfig {
  processes: number;
  method: StartMethod;
  initializer: FnRef | null;
  initArgs: Uint8Array | null;
  maxTasksPerChild: number | null;
  /** Heap limit of each worker in MB (maxMemoryPerWorker). */
  maxMemoryMb: number | null;
  /** Workers kept running; more start on demand up to `processes`. */
  minProcesses: number;
  /** Ms a worker above minProcesses may stay idle before it exits. */
  idleTimeout: number;
  /** Most tasks that may wait for a worker; null: no limit. */
  maxQueue: number | null;
  /** Tasks one worker runs at once. */
  tasksPerWorker: number;
  events: SchedulerEvents;
}

/** What the pool tells its owner (Pool re-emits them as events). */
export interface SchedulerEvents {
  workerStart(info: { pid: number; threadId: number | undefined }): void;
  workerExit(info: { pid: number; threadId: number | undefined; exitCode: number | null; signal: string | null; lostTasks: number }): void;
  /** Nothing queued and nothing running any more. */
  drain(): void;
}

/** What the pool says about one of its live workers (Pool's kWorkers, for tests and diagnostics). */
export interface WorkerInfo {
  pid: number;
  threadId: number | undefined;
  /** It ran its initializer and takes tasks. */
  ready: boolean;
  /** Tasks sent to it without a result yet. */
  inflight: number;
  /** Stops it as an outside kill would (a SIGKILL for a process; a thread is terminated). */
  kill(): void;
}
