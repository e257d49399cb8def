// Cluster objects travel into tasks by reference: { type: 'cluster.<Kind>', state: { name,
// id, ...parameters } } (ClusterObject[kReduce]). Here they come back to life, on the link
// of this thread's context with that name, or in a task run by a `multiproc worker`, on
// currentLink(). The state comes from a message (maybe from outside this program): every
// field is checked, and nothing but these classes is ever made from it.
import { registerSharedType } from '../../codec/codec.js';
import { errors } from '../../errors.js';
import { OBJECT_ID, type ClusterObject } from './base.js';
import { kReduce } from '../../codec/reduce.js';
import { currentLink, linkNamed, unavailable, type ClusterLinkImpl } from './connect.js';
import { ClusterQueue, ClusterJoinableQueue, ClusterSimpleQueue } from './queue.js';
import { ClusterLock, ClusterRLock } from './lock.js';
import { ClusterSemaphore, ClusterBoundedSemaphore } from './semaphore.js';
import { ClusterEvent } from './event.js';
import { ClusterCondition } from './condition.js';
import { ClusterBarrier } from './barrier.js';
import { ClusterDict } from './dict.js';
import { ClusterList } from './list.js';
import { ClusterNamespace } from './namespace.js';
import { ClusterArray, ClusterValue } from './slots.js';
import { TYPECODES } from '../../shm/typecodes.js';

type State = Record<string, unknown>;

function bad(type: string, why: string): Error {
  return errors.invalidMessage(`invalid ${type} reference: ${why}`);
}

function intField(s: State, key: string, type: string, min: number): number {
  const v = s[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 0x7fffffff) throw bad(type, `${key} must be an integer >= ${min}`);
  return v;
}

function linkFor(type: string, state: unknown): { link: ClusterLinkImpl; s: State; id: string } {
  if (!state || typeof state !== 'object' || Array.isArray(state)) throw bad(type, 'its state is not an object');
  const s = state as State;
  if (typeof s.name !== 'string' || typeof s.id !== 'string' || !OBJECT_ID.test(s.id)) throw bad(type, 'it has no valid name and id');
  const env = currentLink();
  const link = linkNamed(s.name) ?? (env && env.name === s.name ? env : undefined);
  if (!link) {
    throw unavailable(
      `a ${type.slice('cluster.'.length)} of cluster '${s.name}' arrived in a process with no link to it; ` +
        `use it in a task run by \`multiproc worker --name ${s.name}\`, or make getContext('cluster', { name: '${s.name}', ... }) in this process first`,
    );
  }
  return { link, s, id: s.id };
}

type Maker = (link: ClusterLinkImpl, s: State, id: string) => unknown;
const makers = new Map<string, Maker>();

/**
 * Another handle of `obj` on `link` (the same Redis keys, another holder id): what a revived
 * reference is, without the trip through bytes. For a context that must pick the link itself.
 */
export function referenceOn<T extends ClusterObject>(obj: T, link: ClusterLinkImpl): T {
  const { type, state } = obj[kReduce]();
  const make = makers.get(type);
  const s = state as State;
  if (!make || typeof s.id !== 'string') throw errors.invalidArgType(`not a cluster object: ${type}`);
  if (s.name !== link.name) throw errors.invalidArgValue(`this object belongs to cluster '${String(s.name)}', the link to '${link.name}'`);
  return make(link, s, s.id) as T;
}

function define(type: string, make: Maker): void {
  makers.set(type, make);
  registerSharedType(type, (state) => {
    const { link, s, id } = linkFor(type, state);
    return make(link, s, id);
  });
}

define('cluster.Queue', (l, s, id) => new ClusterQueue(l, intField(s, 'maxsize', 'cluster.Queue', 0), id));
define('cluster.JoinableQueue', (l, s, id) => new ClusterJoinableQueue(l, intField(s, 'maxsize', 'cluster.JoinableQueue', 0), id));
define('cluster.SimpleQueue', (l, _s, id) => new ClusterSimpleQueue(l, id));
define('cluster.Lock', (l, _s, id) => new ClusterLock(l, id));
define('cluster.RLock', (l, _s, id) => new ClusterRLock(l, id));
define('cluster.Semaphore', (l, s, id) => new ClusterSemaphore(l, intField(s, 'value', 'cluster.Semaphore', 0), id));
define('cluster.BoundedSemaphore', (l, s, id) => new ClusterBoundedSemaphore(l, intField(s, 'value', 'cluster.BoundedSemaphore', 0), id));
define('cluster.Event', (l, _s, id) => new ClusterEvent(l, id));
define('cluster.Condition', (l, s, id) => {
  const lockId = s.lock;
  if (typeof lockId !== 'string' || !OBJECT_ID.test(lockId)) throw bad('cluster.Condition', 'it has no valid lock id');
  const lock = s.lockKind === 'Lock' ? new ClusterLock(l, lockId) : s.lockKind === 'RLock' ? new ClusterRLock(l, lockId) : null;
  if (!lock) throw bad('cluster.Condition', "lockKind must be 'Lock' or 'RLock'");
  return new ClusterCondition(l, lock, id);
});
define('cluster.Barrier', (l, s, id) => {
  const t = s.timeout;
  if (t !== null && t !== undefined && (typeof t !== 'number' || !(t >= 0))) throw bad('cluster.Barrier', 'timeout must be a number >= 0 or null');
  return new ClusterBarrier(l, intField(s, 'parties', 'cluster.Barrier', 1), { timeout: t ?? undefined }, id);
});
define('cluster.dict', (l, _s, id) => new ClusterDict(l, id));
define('cluster.list', (l, _s, id) => new ClusterList(l, id));
define('cluster.Namespace', (l, _s, id) => new ClusterNamespace(l, id));
function typecodeField(s: State, type: string): string {
  if (typeof s.typecode !== 'string' || !(TYPECODES as readonly string[]).includes(s.typecode)) throw bad(type, 'it has no valid typecode');
  return s.typecode;
}
define('cluster.Value', (l, s, id) => new ClusterValue(l, typecodeField(s, 'cluster.Value'), id));
define('cluster.SharedArray', (l, s, id) => new ClusterArray(l, typecodeField(s, 'cluster.SharedArray'), intField(s, 'length', 'cluster.SharedArray', 0), id));
