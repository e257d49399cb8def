// The types a hub can create, from a spec that came over the wire (validated here: a spec
// never names code; registered types are looked up in the server's own registry).
import { errors } from '../../errors.js';
import type { HubObject, ObjectTable } from '../hub-object.js';
import { BarrierObject } from './barrier.js';
import { ConditionObject } from './condition.js';
import { DictObject, ListObject, NamespaceObject, SlotsObject } from './containers.js';
import { EventObject } from './event.js';
import { LockObject } from './lock.js';
import { QueueObject } from './queue.js';
import { SharedLockObject } from './shared-lock.js';
import { SharedSemaphoreObject } from './shared-semaphore.js';
import { SetObject } from './set.js';
import { attachSegment } from '../../shm/segment.js';

function field<T>(spec: Record<string, unknown>, name: string, check: (v: unknown) => boolean, fallback?: T): T {
  const v = spec[name];
  if (v === undefined && fallback !== undefined) return fallback;
  if (!check(v)) throw errors.invalidMessage(`invalid '${name}' in object spec`);
  return v as T;
}
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
const isArray = (v: unknown) => Array.isArray(v);

export const BUILTIN_TYPES = [
  'Queue',
  'JoinableQueue',
  'SimpleQueue',
  'Lock',
  'RLock',
  'Semaphore',
  'BoundedSemaphore',
  'Condition',
  'Event',
  'Barrier',
  'dict',
  'list',
  'set',
  'Namespace',
  'Value',
  'SharedArray',
] as const;

export function isBuiltinType(type: string): boolean {
  return (BUILTIN_TYPES as readonly string[]).includes(type);
}

/** `local`: a hub of this program's own tree, which may open shared memory a spec names. */
export function createBuiltin(type: string, id: string, rawSpec: unknown, table: ObjectTable, local = false): HubObject {
  const spec = (rawSpec && typeof rawSpec === 'object' ? rawSpec : {}) as Record<string, unknown>;
  if (local && (type === 'Lock' || type === 'RLock') && typeof spec['shm'] === 'string') {
    return new SharedLockObject(type, attachSegment(spec['shm']));
  }
  if (local && (type === 'Semaphore' || type === 'BoundedSemaphore') && typeof spec['shm'] === 'string') {
    return new SharedSemaphoreObject(type, attachSegment(spec['shm']));
  }
  switch (type) {
    case 'Queue':
    case 'JoinableQueue':
    case 'SimpleQueue':
      return new QueueObject(id, { maxsize: field(spec, 'maxsize', isInt, 0), joinable: type === 'JoinableQueue' }, type);
    case 'Lock':
    case 'RLock':
      return new LockObject(type, 1);
    case 'Semaphore':
    case 'BoundedSemaphore':
      return new LockObject(type, field(spec, 'value', isInt, 1));
    case 'Condition':
      return new ConditionObject(
        table,
        field(spec, 'lock', (v) => typeof v === 'string'),
      );
    case 'Event':
      return new EventObject();
    case 'Barrier':
      return new BarrierObject(
        field(spec, 'parties', isInt),
        spec['action'] === true,
        field<number | null>(spec, 'timeout', (v) => v === null || typeof v === 'number', null),
      );
    case 'dict':
      return new DictObject(field(spec, 'init', isArray, []));
    case 'list':
      return new ListObject(field(spec, 'init', isArray, []));
    case 'set':
      return new SetObject(field(spec, 'init', isArray, []));
    case 'Namespace':
      return new NamespaceObject();
    case 'Value':
    case 'SharedArray':
      return new SlotsObject(type, field(spec, 'init', isArray));
    default:
      throw errors.unknownTypeid(`unknown shared object type '${type}'`);
  }
}
