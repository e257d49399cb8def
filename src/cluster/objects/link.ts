// The contract between the cluster context and its shared objects (Queue, locks, Event,
// Condition, Barrier, Manager on Redis): what an object needs to reach its Redis. The context
// makes one per getContext('cluster', ...) call; a `multiproc worker` makes one from its
// command line and hands it to the tasks it runs (env MULTIPROC_CLUSTER_URL/_NAME, read by
// currentLink()), so objects that travel into a task reconnect there.
import type { Redis } from '../deps.js';

export interface ClusterLink {
  /** Namespace: every key an object makes starts with `${name}:`. */
  readonly name: string;
  /** ms after which a silent holder (of a lock lease, a queue read) counts as gone. */
  readonly stalledTimeout: number;
  /** ms to reach Redis before a call rejects with ERR_CLUSTER_UNAVAILABLE. */
  readonly connectTimeout: number;
  /** Who holds leases from this process: `${host}:${pid}:${random}`. */
  readonly holderId: string;
  /** The shared connection for ordinary commands (connected lazily). */
  command(): Promise<Redis>;
  /** A dedicated connection for one blocking command (BLPOP, ...); give it back with release(). */
  blocking(): Promise<Redis>;
  release(conn: Redis): void;
  /** Ends this link's connections; pending calls reject with ERR_CLUSTER_UNAVAILABLE. */
  close(): Promise<void>;
}
