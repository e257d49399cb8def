// What every cluster object shares: its link, its id, the prefix of its keys
// (`${name}:obj:${id}`), how it travels (by reference: kReduce gives { type: 'cluster.<Kind>',
// state: { name, id, ...its parameters } }), and free(), which deletes its keys. An object
// keeps its state only in Redis and only while that state differs from a fresh object's (an
// empty queue, a free lock, a clear event have no keys), so a reference revived anywhere
// works on the same keys without any set-up, and idle objects leave nothing behind.
import { randomBytes } from 'node:crypto';
import { kReduce, type SharedReducible } from '../../codec/reduce.js';
import { errors } from '../../errors.js';
import type { ClusterLink } from './link.js';
import type { ClusterLinkImpl } from './connect.js';
import { deleteKeysUnder } from './cleanup.js';

export const newObjectId = (): string => randomBytes(8).toString('hex');
/** Object ids: 16 hex digits, or a manager's id, '.', and 16 hex digits. */
export const OBJECT_ID = /^[0-9a-f]{16}(\.[0-9a-f]{16})?$/;

/** The ClusterLink implementation the objects need (leases, ownership); refuses any other. */
export function implOf(link: ClusterLink): ClusterLinkImpl {
  const l = link as Partial<ClusterLinkImpl>;
  if (!l || typeof l !== 'object' || !l.leases || typeof l.own !== 'function') {
    throw errors.invalidArgType('clusterObjects(link) needs a link made by createLink() (src/cluster/objects/connect.ts)');
  }
  return l as ClusterLinkImpl;
}

/** The synchronous fast paths of local locks need shared memory, which a cluster object has not. */
export function noSharedMemory(what: string, instead: string): Error {
  return errors.sharedMemoryUnavailable(`${what} needs the object in this machine's shared memory, and a cluster object lives in Redis; use ${instead}`);
}

export abstract class ClusterObject implements SharedReducible {
  /** @internal */ readonly link: ClusterLinkImpl;
  /** The object's id: the same in every process that holds a reference to it. */
  readonly id: string;
  /** @internal Prefix of every key of this object. */
  readonly base: string;

  /**
   * `id` given: a reference revived from another process (it owns nothing). `owned` false: a
   * manager's object (the manager's shutdown deletes it).
   */
  protected constructor(link: ClusterLinkImpl, id?: string, owned = true) {
    this.link = link;
    this.id = id ?? newObjectId();
    this.base = `${link.name}:obj:${this.id}`;
    if (id === undefined && owned) link.own(`${this.base}:`);
  }

  /** The kind in the reference's type name: 'cluster.' + kind. */
  protected abstract get kind(): string;
  /** What a revived reference needs besides name and id (plain data). */
  protected params(): Record<string, unknown> {
    return {};
  }

  [kReduce](): { type: string; state: unknown } {
    return { type: `cluster.${this.kind}`, state: { name: this.link.name, id: this.id, ...this.params() } };
  }

  /**
   * Deletes this object's keys in Redis (its items, holders, waiters): for an object nobody
   * uses any more. Other references to it then see a fresh, empty object. Objects made from a
   * context are also freed when that context closes.
   */
  async free(): Promise<void> {
    await deleteKeysUnder(this.link, `${this.base}:`);
    this.link.disown(`${this.base}:`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.free();
  }
}
