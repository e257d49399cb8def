// Messages on a parent <-> worker channel (runtime/spawn.ts): every message is an array whose
// first element is its kind (M), declared below as a labeled tuple per kind and a union per
// direction. The tuples are types only: on the wire they stay plain msgpack arrays.
import type { ExportRef, FnRef } from '../functions/reference.js';
import type { HubAddress } from './hub.js';

export const M = {
  /** parent -> worker: InitMsg */
  INIT: 1,
  /** parent -> process child: RunMsg */
  RUN: 2,
  /** process child -> parent: ErrorMsg when run() failed */
  ERROR: 3,
  /** parent -> pool worker: FnMsg, before the first task of that function */
  FN: 4,
  /** parent -> pool worker: TaskMsg (the worker appends a sequence number: QueuedTask) */
  TASK: 5,
  /** pool worker -> parent: ResultMsg */
  RESULT: 6,
  /** pool worker -> parent: ReadyMsg once the initializer ran; manager server: ManagerReadyMsg */
  READY: 7,
  /** pool worker or manager server -> parent: InitFailedMsg */
  INIT_FAILED: 8,
  /** parent -> pool worker or manager server: StopMsg, finish and exit */
  STOP: 9,
  /** either way: RouteMsg (connection/router.ts) */
  ROUTE: 10,
  /** parent -> pool worker: CancelMsg, skip a queued task */
  CANCEL: 11,
  /** parent -> pool worker: AbortMsg, abort a running task's taskSignal() (tasksPerWorker > 1) */
  ABORT: 12,
} as const;

/** How a pool task's payload is applied. */
export const Mode = { APPLY: 0, MAP: 1, STARMAP: 2 } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Result status of a pool task. */
export const Status = { OK: 0, ERROR: 1, PARTIAL: 2, SKIPPED: 3 } as const;
export type Status = (typeof Status)[keyof typeof Status];

export type InitMsg = [kind: typeof M.INIT, init: InitData];
/** `fields` and `args` are codec bytes; a null target or class means Process's own run(). */
export type RunMsg = [kind: typeof M.RUN, target: FnRef | null, cls: ExportRef | null, fields: Uint8Array | null, args: Uint8Array];
export type ErrorMsg = [kind: typeof M.ERROR, error: Uint8Array];
export type FnMsg = [kind: typeof M.FN, fnId: number, fn: FnRef];
/** `watched`: the pool runs a clock or watches a signal for it (its result must leave at once). */
export type TaskMsg = [kind: typeof M.TASK, id: number, fnId: number, mode: Mode, payload: Uint8Array, watched: 0 | 1];
/** A TASK as the worker keeps it: with the 1-based position it arrived at (the pool's task.seq). */
export type QueuedTask = [...TaskMsg, seq: number];
/** `payload`: codec bytes of the value, the error, or [values, [position, error][]] (PARTIAL); null when SKIPPED. */
export type ResultMsg = [kind: typeof M.RESULT, id: number, status: Status, payload: Uint8Array | null];
export type ReadyMsg = [kind: typeof M.READY];
export type ManagerReadyMsg = [kind: typeof M.READY, address: HubAddress];
export type InitFailedMsg = [kind: typeof M.INIT_FAILED, error: Uint8Array];
export type StopMsg = [kind: typeof M.STOP];
export type CancelMsg = [kind: typeof M.CANCEL, id: number];
export type AbortMsg = [kind: typeof M.ABORT, id: number];

/**
 * Kinds of routed messages (connection/router.ts, pipe-home.ts). One letter each on the wire;
 * the fields after the kind are [pipeId, side, ...]: see PipeRoute.
 */
export const R = {
  /** end -> home: [pipeId, to, isBytes, payload] deliver an item to side `to` */
  DELIVER: 'd',
  /** home -> end: [pipeId, side, isBytes, payload] an item for the end there */
  VALUE: 'v',
  /** home -> end: [pipeId, side] the peer end closed or was lost (EOF) */
  EOF: 'e',
  /** end -> home: [pipeId, side, bound] the end is travelling; lost if `bound` dies first */
  MOVING: 'm',
  /** end -> home: [pipeId, side, owner] the end arrived at `owner` */
  ATTACHED: 'a',
  /** end -> home: [pipeId, side] the end was closed */
  CLOSED: 'c',
  /** towards the root only: [address] that process (and its subtree) is gone */
  GONE: 'g',
} as const;
export type RouteKind = (typeof R)[keyof typeof R];

/** Destination of GONE announcements: every ancestor handles them on the way up. */
export const ROUTE_UP = '^';

/** The fields of each pipe route kind (after [ROUTE, destination, kind]). */
export type PipeRoute =
  | [kind: typeof R.DELIVER | typeof R.VALUE, pipeId: string, side: 0 | 1, isBytes: 0 | 1, payload: Uint8Array]
  | [kind: typeof R.EOF | typeof R.CLOSED, pipeId: string, side: 0 | 1]
  | [kind: typeof R.MOVING, pipeId: string, side: 0 | 1, bound: string]
  | [kind: typeof R.ATTACHED, pipeId: string, side: 0 | 1, owner: string];
export type RouteMsg =
  [kind: typeof M.ROUTE, dest: string, route: RouteKind, ...fields: unknown[]] | [kind: typeof M.ROUTE, dest: typeof ROUTE_UP, route: typeof R.GONE, address: string];

/** What a pool worker receives from the pool. */
export type ToPoolWorker = FnMsg | TaskMsg | CancelMsg | AbortMsg | StopMsg;
/** What the pool receives from a pool worker. */
export type FromPoolWorker = ReadyMsg | InitFailedMsg | ResultMsg;
/** What a process child receives after INIT. */
export type ToProcessChild = RunMsg;
/** What a Process receives from its child. */
export type FromProcessChild = ErrorMsg;
/** What a manager server receives after INIT, and sends. */
export type ToManagerServer = StopMsg;
export type FromManagerServer = ManagerReadyMsg | InitFailedMsg;
/** Every message the parent sends on a worker channel, and every one it receives. */
export type ToWorker = InitMsg | ToPoolWorker | ToProcessChild | ToManagerServer | RouteMsg;
export type FromWorker = FromPoolWorker | FromProcessChild | FromManagerServer | RouteMsg;

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
