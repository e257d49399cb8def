// Catalogue: the cluster context (Redis, BullMQ) only.
import { builtin, processError } from './define.js';

export const clusterErrors = {
  clusterDependency: processError('ERR_CLUSTER_DEPENDENCY', {
    meaning: "The cluster context needs the optional packages bullmq and ioredis, and one could not be found or loaded; `cause` is the loader's error.",
    fix: '`npm install bullmq ioredis` in the program (and on every worker machine).',
  }),
  clusterUnavailable: processError('ERR_CLUSTER_UNAVAILABLE', {
    meaning: 'Redis could not be reached within `connectTimeout`; calls on cluster objects settle with this error instead of waiting forever.',
    fix: "Check that Redis runs and is reachable at the URL given to `getContext('cluster', { redis })`; raise `connectTimeout` for a slow start.",
  }),
  notSupportedInContext: builtin('ERR_NOT_SUPPORTED_IN_CONTEXT', 'Error', {
    meaning:
      "The cluster context was asked for something that lives in one machine's memory and has no cluster form (`Pipe`, `SharedMemory`, `Value`, `SharedArray` and their raw forms).",
    fix: "Use what the message suggests instead (a cluster Queue instead of a Pipe, a cluster Manager's objects instead of shared memory), or the process context on one machine.",
  }),
  managerShutdown: builtin('ERR_MANAGER_SHUTDOWN', 'Error', {
    meaning: 'A cluster Manager was used after `shutdown()`.',
    fix: 'Make a new one with `await cluster.Manager()`.',
  }),
};
