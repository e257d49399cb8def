// Misuse of locks, semaphores and conditions: one wording wherever it is noticed (proxy,
// shared memory, hub).
import { errors } from './catalogue.js';

export const lockMisuse = {
  releaseUnlocked: () => errors.releaseUnlocked('release() of a lock that is not acquired; acquire it first'),
  notOwner: () => errors.notOwner('this lock is held by another process or thread; only its owner may release it'),
  conditionNotOwner: (what: string) => errors.notOwner(`Condition.${what}() needs its lock: acquire it first (await using _ = await cond.enter())`),
  notShared: (what: string, kind: 'lock' | 'semaphore', instead: string) =>
    errors.sharedMemoryUnavailable(`${what} needs a ${kind} in shared memory, and this one lives only in its hub (a manager's, or made without the native addon); use ${instead}`),
};
