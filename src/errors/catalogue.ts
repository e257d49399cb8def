// The catalogue of every error code the library throws or rejects with, and of Node's codes it
// recognizes: one entry per code, grouped as docs/errors.md lists them (that file is generated
// from here by scripts/gen-errors-doc.mjs; a test fails when it is stale, and another when
// src/ uses an ERR_ code this catalogue lacks).
//
// Throw through the factories, never with a code literal:
//   throw errors.invalidArgType(`target must be a function, got ${typeof target}`);
//   reject(errors.poolTerminated('the pool was terminated before this result was ready'));
//   errors.workerStart(message, { cause });   errors.invalidArgValue(message, { as: 'RangeError' });
//   if (e.code === errors.noSuchObject.code) ...
// The message is what varies between call sites; the code and class come from the entry.
// A new code: add its entry (meaning, fix) to the group file it belongs to, named after the
// code in camelCase, throw it through the factory, then run scripts/gen-errors-doc.mjs.
import { argumentErrors } from './arguments.js';
import { clusterErrors } from './cluster.js';
import { connectionErrors } from './connections.js';
import type { ErrorEntry } from './define.js';
import { processCodesFromNode, processErrors } from './processes.js';
import { poolErrors } from './pools.js';
import { sharedMemoryErrors } from './shared-memory.js';
import { sharedObjectErrors } from './shared-objects.js';
import { transferErrors } from './transfer.js';

/** Every factory of the catalogue, by name (the code in camelCase, without ERR_). */
export const errors = {
  ...argumentErrors,
  ...transferErrors,
  ...processErrors,
  ...poolErrors,
  ...connectionErrors,
  ...sharedObjectErrors,
  ...sharedMemoryErrors,
  ...clusterErrors,
};

/** A section of docs/errors.md. */
export interface ErrorGroup {
  readonly title: string;
  readonly intro: string;
  readonly entries: readonly ErrorEntry[];
}

const entries = (factories: Record<string, { entry: ErrorEntry }>): ErrorEntry[] => Object.values(factories).map((f) => f.entry);

/** The catalogue in docs order (made on demand: only the docs and tests read it). */
export const errorGroups = (): readonly ErrorGroup[] => [
  { title: 'Arguments and options', intro: 'Thrown at once by the call that was given them, before anything starts.', entries: entries(argumentErrors) },
  { title: 'Sending values between processes', intro: 'What a value must be to travel, and what arriving bytes must be to be decoded.', entries: entries(transferErrors) },
  {
    title: 'Processes, workers and time-outs',
    intro: 'Starting, joining and losing processes, threads and pool workers.',
    entries: [...entries(processErrors), ...processCodesFromNode],
  },
  { title: 'Pools', intro: 'Pool, its results and its progress bars (the cluster Pool uses the same codes).', entries: entries(poolErrors) },
  { title: 'Pipes, connections and listeners', intro: 'Connection ends, Listener and Client, and the handshake that authenticates them.', entries: entries(connectionErrors) },
  {
    title: 'Managers, queues and shared objects',
    intro: 'Managers, the hub that serves shared objects (queues, locks, dicts, ...) and their operations.',
    entries: entries(sharedObjectErrors),
  },
  { title: 'Locks and shared memory', intro: 'Lock, RLock, semaphores and conditions; SharedMemory, Value, SharedArray and ShareableList.', entries: entries(sharedMemoryErrors) },
  { title: 'Cluster context', intro: "Only in `getContext('cluster', ...)`; the cluster's objects and Pool otherwise use the codes above.", entries: entries(clusterErrors) },
];

/** Every code of the catalogue. */
export const allCodes = (): ReadonlySet<string> => new Set(errorGroups().flatMap((g) => g.entries.map((e) => e.code)));
