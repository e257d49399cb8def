// The shared objects of the cluster context, bound to one link: `clusterObjects(link)` gives
// the classes a ClusterContext exposes (cluster.Queue, cluster.Lock, ...) and its Manager().
// Importing this module also teaches the codec to revive cluster objects that travel into
// tasks by reference (revive.ts). docs/cluster-objects.md says what each does on Redis.
import type { ClusterLink } from './link.js';
import { implOf } from './base.js';
import { ClusterQueue, ClusterJoinableQueue, ClusterSimpleQueue, noSimpleQueueArgs } from './queue.js';
import { ClusterLock, ClusterRLock, type ClusterLockBase } from './lock.js';
import { ClusterSemaphore, ClusterBoundedSemaphore } from './semaphore.js';
import { ClusterEvent } from './event.js';
import { ClusterCondition } from './condition.js';
import { ClusterBarrier, type ClusterBarrierOptions } from './barrier.js';
import { ClusterManager, createManager } from './manager.js';
export { referenceOn } from './revive.js';

/** The shared-object factories of a cluster context (the same names as the local context's). */
export interface ClusterObjects {
  Queue: new <T = unknown>(maxsize?: number) => ClusterQueue<T>;
  JoinableQueue: new <T = unknown>(maxsize?: number) => ClusterJoinableQueue<T>;
  SimpleQueue: new <T = unknown>() => ClusterSimpleQueue<T>;
  Lock: new () => ClusterLock;
  RLock: new () => ClusterRLock;
  Semaphore: new (value?: number) => ClusterSemaphore;
  BoundedSemaphore: new (value?: number) => ClusterBoundedSemaphore;
  Event: new () => ClusterEvent;
  Condition: new (lock?: ClusterLockBase) => ClusterCondition;
  Barrier: new (parties: number, options?: ClusterBarrierOptions) => ClusterBarrier;
  /** A manager of dicts, lists and Namespaces in Redis; its shutdown() deletes all their keys. */
  Manager: () => Promise<ClusterManager>;
}

export function clusterObjects(link: ClusterLink): ClusterObjects {
  const l = implOf(link);
  class Queue<T = unknown> extends ClusterQueue<T> {
    constructor(maxsize = 0) {
      super(l, maxsize);
    }
  }
  class JoinableQueue<T = unknown> extends ClusterJoinableQueue<T> {
    constructor(maxsize = 0) {
      super(l, maxsize);
    }
  }
  class SimpleQueue<T = unknown> extends ClusterSimpleQueue<T> {
    constructor(...none: never[]) {
      noSimpleQueueArgs(none.length);
      super(l);
    }
  }
  class Lock extends ClusterLock {
    constructor() {
      super(l);
    }
  }
  class RLock extends ClusterRLock {
    constructor() {
      super(l);
    }
  }
  class Semaphore extends ClusterSemaphore {
    constructor(value = 1) {
      super(l, value);
    }
  }
  class BoundedSemaphore extends ClusterBoundedSemaphore {
    constructor(value = 1) {
      super(l, value);
    }
  }
  class Event extends ClusterEvent {
    constructor() {
      super(l);
    }
  }
  class Condition extends ClusterCondition {
    constructor(lock?: ClusterLockBase) {
      super(l, lock);
    }
  }
  class Barrier extends ClusterBarrier {
    constructor(parties: number, options?: ClusterBarrierOptions) {
      super(l, parties, options);
    }
  }
  const Manager = (): Promise<ClusterManager> => createManager(l);
  return { Queue, JoinableQueue, SimpleQueue, Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, Manager };
}

export { createLink, currentLink } from './connect.js';
export type { ClusterLinkImpl } from './connect.js';
export {
  ClusterQueue,
  ClusterJoinableQueue,
  ClusterSimpleQueue,
  ClusterLock,
  ClusterRLock,
  ClusterSemaphore,
  ClusterBoundedSemaphore,
  ClusterEvent,
  ClusterCondition,
  ClusterBarrier,
  ClusterManager,
};
export type { ClusterLockBase, ClusterBarrierOptions };
export type { ClusterDict } from './dict.js';
export type { ClusterList } from './list.js';
export type { ClusterNamespace } from './namespace.js';
export type { ClusterValue, ClusterArray } from './slots.js';
export { ClusterObject } from './base.js';
