// The cluster context's engines, loaded on first use only: bullmq (tasks) and ioredis (shared
// objects, connections). Both are optional peer dependencies, so a user of the local contexts
// installs nothing new; without them the first cluster call says what to install.
import { type ProcessError, errors } from '../errors.js';

export type BullMQ = typeof import('bullmq');
/** An ioredis client, and its class. */
export type Redis = import('ioredis').Redis;
export type RedisClass = typeof import('ioredis').Redis;
export type RedisOptions = import('ioredis').RedisOptions;

let bullmq: Promise<BullMQ> | undefined;
let ioredis: Promise<RedisClass> | undefined;

function missing(pkg: string, cause: unknown): ProcessError {
  return errors.clusterDependency(`the cluster context needs the optional packages bullmq and ioredis (${pkg} could not be loaded): npm install bullmq ioredis`, { cause });
}

/** bullmq, imported once; rejects with ERR_CLUSTER_DEPENDENCY when it is not installed. */
export function loadBullMQ(): Promise<BullMQ> {
  const p =
    bullmq ??
    import('bullmq').catch((e: unknown) => {
      bullmq = undefined;
      throw missing('bullmq', e);
    });
  bullmq = p;
  return p;
}

/** The ioredis client class, imported once; rejects with ERR_CLUSTER_DEPENDENCY when it is not installed. */
export function loadIORedis(): Promise<RedisClass> {
  const p =
    ioredis ??
    import('ioredis').then(
      (m) => m.Redis,
      (e: unknown) => {
        ioredis = undefined;
        throw missing('ioredis', e);
      },
    );
  ioredis = p;
  return p;
}
