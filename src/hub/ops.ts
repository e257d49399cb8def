// The operations of each hub object, as one table per object type shared by the proxy side
// (HubProxy<Ops>.call) and the hub side (HubObject.call, typed with OpCall<Ops>): an op name,
// the arguments that follow it in a CALL, and what the OK answer carries. A proxy calling an
// op the hub does not serve, or with other arguments, is a compile error. Types only: the
// wire is unchanged, and the hub still checks every field it receives from a peer.
import type { Reply } from './hub-object.js';
import type { ObjectRef, WireTimeout } from '../protocol/hub.js';

/** One operation: the CALL's arguments after the op name, and the OK answer's value (void: none). */
export interface Op<Args extends unknown[], Result> {
  args: Args;
  result: Result;
}

/** An object's operations by name. */
export type OpTable = { [op: string]: Op<unknown[], unknown> };

/** Any operation with any arguments: proxies that have not declared their table. */
export type UntypedOps = { [op: string]: Op<unknown[], unknown> };

/** A Reply that answers with the result type of one operation. */
export interface OpReply<Result> extends Reply {
  ok(value: Result): void;
}

/**
 * The hub side of a CALL of table `T`, as the rest parameters of HubObject.call: narrowing
 * `op` in a switch narrows `args` and `reply` to that operation's.
 */
export type OpCall<T extends OpTable> = { [K in keyof T & string]: [op: K, args: T[K]['args'], reply: OpReply<T[K]['result']>] }[keyof T & string];

/**
 * The table of a proxy whose object in the hub is one of two types (a Lock kept by the hub
 * alone, or one in shared memory with the hub as its waiting room): the ops of either, each
 * with the arguments and answer of whichever serves it.
 */
export type EitherOps<A extends OpTable, B extends OpTable> = {
  [K in (keyof A | keyof B) & string]: Op<
    (K extends keyof A ? A[K]['args'] : never) | (K extends keyof B ? B[K]['args'] : never),
    (K extends keyof A ? A[K]['result'] : never) | (K extends keyof B ? B[K]['result'] : never)
  >;
};

/** Codec bytes of one user value (kept by the hub as sent). */
type Bytes = Uint8Array;
/** A list index; negative counts from the end. */
type Index = number;
type Optional<T> = T | null;

export type DictOps = {
  set: Op<[key: Bytes, value: Bytes], void>;
  /** null: no such key. */
  get: Op<[key: Bytes], Bytes | null>;
  has: Op<[key: Bytes], boolean>;
  delete: Op<[key: Bytes], boolean>;
  pop: Op<[key: Bytes], Bytes | null>;
  setdefault: Op<[key: Bytes, value: Bytes], Bytes>;
  /** `pairs`: [key, value, key, value, ...]. */
  update: Op<[pairs: Bytes[]], void>;
  size: Op<[], number>;
  clear: Op<[], void>;
  popitem: Op<[], [key: Bytes, value: Bytes]>;
  /** [key, value, key, value, ...] in insertion order. */
  entries: Op<[], Bytes[]>;
};

export type ListOps = {
  append: Op<[value: Bytes], void>;
  extend: Op<[values: Bytes[]], void>;
  get: Op<[index: Index], Bytes>;
  set: Op<[index: Index, value: Bytes], void>;
  insert: Op<[index: Index, value: Bytes], void>;
  pop: Op<[index: Optional<Index>], Bytes>;
  length: Op<[], number>;
  clear: Op<[], void>;
  toArray: Op<[], Bytes[]>;
  slice: Op<[start: Optional<Index>, end: Optional<Index>, step: Optional<number>], Bytes[]>;
  splice: Op<[start: Index, deleteCount: Optional<number>, items: Bytes[]], Bytes[]>;
  count: Op<[value: Bytes], number>;
  index: Op<[value: Bytes, start: Optional<Index>, end: Optional<Index>], number>;
  remove: Op<[value: Bytes], void>;
  reverse: Op<[], void>;
  sort: Op<[reverse: boolean], void>;
};

export type SetOps = {
  add: Op<[element: Bytes], void>;
  update: Op<[elements: Bytes[]], void>;
  has: Op<[element: Bytes], boolean>;
  discard: Op<[element: Bytes], boolean>;
  remove: Op<[element: Bytes], void>;
  pop: Op<[], Bytes>;
  size: Op<[], number>;
  clear: Op<[], void>;
  values: Op<[], Bytes[]>;
};

export type NamespaceOps = {
  set: Op<[name: string, value: Bytes], void>;
  get: Op<[name: string], Bytes>;
  has: Op<[name: string], boolean>;
  delete: Op<[name: string], boolean>;
  /** [name, value, name, value, ...]. */
  entries: Op<[], (string | Bytes)[]>;
};

/** A manager's Value (index 0) and SharedArray. */
export type SlotsOps = {
  get: Op<[index: Index], Bytes>;
  set: Op<[index: Index, value: Bytes], void>;
  length: Op<[], number>;
  toArray: Op<[], Bytes[]>;
};

export type EventOps = {
  set: Op<[], void>;
  clear: Op<[], void>;
  isSet: Op<[], boolean>;
  /** true: the flag was set; false: the timeout ended first. */
  wait: Op<[timeout: WireTimeout], boolean>;
};

export type BarrierOps = {
  /**
   * No timeout: the barrier's own. Answers [arrival index, whether this waiter runs the
   * action]; the one that runs it then calls actionDone.
   */
  wait: Op<[timeout?: WireTimeout], [index: number, runAction: boolean]>;
  /** `ok`: the action returned (else it threw, which breaks the barrier). */
  actionDone: Op<[ok: boolean], void>;
  abort: Op<[], void>;
  reset: Op<[], void>;
  nWaiting: Op<[], number>;
  broken: Op<[], boolean>;
};

/** Who asks, for a lock in shared memory: its owner words name a process and a thread. */
type Pid = number;
type ThreadId = number;

/**
 * Lock, RLock, Semaphore and BoundedSemaphore kept by the hub alone (managers, no native
 * addon). A release by a handle that holds what it releases is a NOTE `release`.
 */
export type LockOps = {
  /** true: acquired; false: the timeout ended first. */
  acquire: Op<[timeout: WireTimeout], boolean>;
  release: Op<[], void>;
  /** A Semaphore's counter (a Lock's: 1 free, 0 taken). */
  value: Op<[], number>;
  locked: Op<[], boolean>;
};

/**
 * A Lock or RLock in shared memory; the hub is only its waiting room. Asked only once the
 * lock is taken; a release that saw the waiters flag is a NOTE `released`.
 */
export type SharedLockOps = {
  /** The hub takes the lock for `pid`/`thread` (its owner words) before answering true. */
  acquire: Op<[timeout: WireTimeout, pid: Pid, thread: ThreadId], boolean>;
  /** The lock was freed by a process that saw the waiters flag: hand it to the next in line. */
  released: Op<[], void>;
};

/** A Semaphore or BoundedSemaphore in shared memory, with the hub as its waiting room (as SharedLockOps). */
export type SharedSemaphoreOps = SharedLockOps & {
  value: Op<[], number>;
};

/** A Condition over a lock of the same hub; `pid`/`thread` name the lock's owner when it is in shared memory. */
export type ConditionOps = {
  /** Releases the lock, waits, takes it back; true: notified, false: the timeout ended first. */
  wait: Op<[timeout: WireTimeout, pid: Pid, thread: ThreadId], boolean>;
  /** `n`: how many waiters to wake; null: all of them (notifyAll). */
  notify: Op<[n: number | null, pid: Pid, thread: ThreadId], void>;
};

/** Queue, JoinableQueue, SimpleQueue (puts of an unbounded queue, and lease reports, are NOTEs). */
export type QueueOps = {
  put: Op<[item: Bytes, timeout: WireTimeout], void>;
  /** Answers the item, then up to `want - 1` more read ahead (leased to this peer). */
  get: Op<[timeout: WireTimeout, want: number], Bytes[]>;
  /** Spare items to read ahead, never waiting. */
  prefetch: Op<[want: number], Bytes[]>;
  qsize: Op<[], number>;
  empty: Op<[], boolean>;
  full: Op<[], boolean>;
  taskDone: Op<[], void>;
  join: Op<[], void>;
  shutdown: Op<[immediate: boolean], void>;
};

/** An object of a type registered with a BaseManager. */
export type RegisteredOps = {
  /**
   * Calls an exposed method with codec bytes of its arguments; answers with codec bytes of
   * its result, or the reference of a new served object (methodToTypeid).
   */
  call: Op<[method: string, args: Bytes], Bytes | ObjectRef>;
};
