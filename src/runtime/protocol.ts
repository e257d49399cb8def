// Message types on a parent <-> worker channel. Every message is [type, ...fields].
export const M = {
  /** parent -> worker: [INIT, InitData] */
  INIT: 1,
  /** parent -> process child: [RUN, encoded { target, cls, fields, args }] */
  RUN: 2,
  /** process child -> parent: [ERROR, encoded error] when run() failed */
  ERROR: 3,
  /** parent -> pool worker: [FN, fnId, FnRef] */
  FN: 4,
  /** parent -> pool worker: [TASK, taskId, fnId, mode, encoded args] */
  TASK: 5,
  /** pool worker -> parent: [RESULT, taskId, status, encoded payload] */
  RESULT: 6,
  /** pool worker -> parent: [READY] once the initializer ran */
  READY: 7,
  /** pool worker -> parent: [INIT_FAILED, encoded error] */
  INIT_FAILED: 8,
  /** parent -> pool worker: [STOP] finish and exit */
  STOP: 9,
  /** either way: [ROUTE, destination address, ...connection message] */
  ROUTE: 10,
  /** parent -> pool worker: [CANCEL, taskId] skip a queued task */
  CANCEL: 11,
  /** parent -> pool worker: [ABORT, taskId] abort a running task's taskSignal() (tasksPerWorker > 1) */
  ABORT: 12,
} as const;

/** How a pool task's payload is applied. */
export const Mode = { APPLY: 0, MAP: 1, STARMAP: 2 } as const;

/** Result status of a pool task. */
export const Status = { OK: 0, ERROR: 1, PARTIAL: 2, SKIPPED: 3 } as const;

export interface InitData {
  role: 'process' | 'pool' | 'manager';
  name: string;
  identity: number[];
  daemon: boolean;
  address: string;
  parent: { pid: number; name: string };
  log: { level: number | null; toStderr: boolean };
  tsxApi?: string;
  startMethod: string;
  /** Pool workers: initializer reference and encoded args. */
  initializer?: unknown;
  initArgs?: Uint8Array;
  /** Pool workers: how many tasks one runs at once (default 1: one after the other). */
  tasksPerWorker?: number;
  /** Pool workers in a child process: the descriptor of their progress file. */
  progressFd?: number;
  /** Pool workers in a child process: the shared-memory segment of their progress cell (preferred). */
  progressShm?: string;
  /** The program's key (CPython's authkey), inherited by every worker. */
  authKey?: Uint8Array;
  /** Child processes: where Node writes a report if the child dies of a fatal error (runtime/oom.ts). */
  fatalReport?: string;
  /** Manager servers: what to serve and where. */
  manager?: ManagerInit;
}

export interface ManagerInit {
  address: { path: string } | { host: string; port: number };
  key: Uint8Array;
  registry: { typeid: string; callable: unknown; exposed: string[] | null; methodToTypeid: Record<string, string> }[];
  maxMessageSize?: number;
  handshakeTimeout?: number;
}
