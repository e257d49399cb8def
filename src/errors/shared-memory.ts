// Catalogue: locks and semaphores, and shared memory (SharedMemory, Value, SharedArray, ShareableList).
import { builtin } from './define.js';

export const sharedMemoryErrors = {
  releaseUnlocked: builtin('ERR_RELEASE_UNLOCKED', 'Error', {
    meaning: "`release()` of a Lock or RLock that is not acquired, or of a BoundedSemaphore more times than it was acquired (Python's `ValueError`/`RuntimeError`).",
    fix: 'Release only what you acquired; `await using _ = await lock.enter()` pairs them for you.',
  }),
  notOwner: builtin('ERR_NOT_OWNER', 'Error', {
    meaning: 'An RLock held by another process or thread was released here, or a Condition was waited on or notified without holding its lock.',
    fix: "Only the owner releases an RLock; acquire a Condition's lock first (`await using _ = await cond.enter()`).",
  }),
  sharedMemoryUnavailable: builtin('ERR_SHARED_MEMORY_UNAVAILABLE', 'Error', {
    meaning:
      "An operation needs memory shared between processes and has none: the native addon is not loaded (or a process the value goes to has none), or the object lives in a hub or in Redis instead (a manager's lock, a cluster object) and has no synchronous form.",
    fix: 'Follow the message: install or build the addon (the message says how), use the thread context (which needs no addon), or use the asynchronous method it names.',
  }),
  shmExists: builtin('ERR_SHM_EXISTS', 'Error', {
    meaning: '`new SharedMemory({ name, create: true })` found a block of that name already.',
    fix: 'Attach to it with `create: false`, or pick another name (or none: the library makes one up).',
  }),
  shmNotFound: builtin('ERR_SHM_NOT_FOUND', 'Error', {
    meaning: 'No shared memory block has that name: never created, or already unlinked (also the second `unlink()`).',
    fix: 'Check the name, and that the creator has not unlinked it yet; unlink a block once.',
  }),
  shmNoSpace: builtin('ERR_SHM_NO_SPACE', 'Error', {
    meaning: 'The system could not reserve the pages of a shared memory block: the shared memory filesystem (`/dev/shm`) is full or too small.',
    fix: 'Free shared memory no longer needed, ask for less, or give `/dev/shm` more room (Docker: `--shm-size=1g`; Kubernetes: an `emptyDir` with `medium: Memory`).',
  }),
  shmClosed: builtin('ERR_SHM_CLOSED', 'Error', {
    meaning: 'A SharedMemory (or the ShareableList over it) was used after `close()` in this process.',
    fix: 'Attach again with `new SharedMemory({ name })`, or close it only when done.',
  }),
};
