// getContext('cluster', options): the options, checked at once with teaching errors.
import type { RedisOptions } from './deps.js';
import { errors } from '../errors.js';

export interface ClusterOptions {
  /** A URL (redis://, rediss://, with user:password) or ioredis options. */
  redis: string | RedisOptions;
  /** Namespace: the BullMQ queue and every Redis key start with it. Default 'multiproc'. */
  name?: string;
  /** Signs every task (HMAC-SHA256); workers run only tasks signed with their key. */
  authKey?: string | Uint8Array;
  /** Module paths travel relative to this folder. Default: process.cwd(). */
  root?: string;
  /** ms after which a silent worker machine (or lease holder) counts as lost. Default 30,000. */
  stalledTimeout?: number;
  /** ms to reach Redis before a call rejects with ERR_CLUSTER_UNAVAILABLE. Default 10,000. */
  connectTimeout?: number;
}

export interface ResolvedClusterOptions {
  redis: string | RedisOptions;
  name: string;
  authKey: Uint8Array | undefined;
  root: string;
  stalledTimeout: number;
  connectTimeout: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function positiveMs(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw errors.outOfRange(`${what} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

export function resolveClusterOptions(options: ClusterOptions | undefined): ResolvedClusterOptions {
  if (!options || typeof options !== 'object') {
    throw errors.invalidArgType("getContext('cluster', options) needs options with `redis` (a URL such as 'redis://127.0.0.1:6379' or ioredis options)");
  }
  const { redis } = options;
  if (typeof redis === 'string') {
    let url: URL;
    try {
      url = new URL(redis);
    } catch {
      throw errors.invalidArgValue(`redis must be a redis:// or rediss:// URL, got '${redis}'`);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw errors.invalidArgValue(`redis must be a redis:// or rediss:// URL, got '${url.protocol}'`);
  } else if (!redis || typeof redis !== 'object') {
    throw errors.invalidArgType("options.redis must be a URL string such as 'redis://127.0.0.1:6379' or an ioredis options object");
  }
  const name = options.name ?? 'multiproc';
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw errors.invalidArgValue(`options.name must be 1-64 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`);
  }
  const key = options.authKey;
  let authKey: Uint8Array | undefined;
  if (key !== undefined) {
    if (typeof key === 'string') authKey = Buffer.from(key, 'utf8');
    else if (key instanceof Uint8Array) authKey = key;
    else throw errors.invalidArgType('options.authKey must be a string or a Uint8Array');
    if (authKey.length === 0) throw errors.invalidArgValue('options.authKey must not be empty');
  }
  return {
    redis,
    name,
    authKey,
    root: options.root ?? process.cwd(),
    stalledTimeout: positiveMs(options.stalledTimeout, 'stalledTimeout', 30_000),
    connectTimeout: positiveMs(options.connectTimeout, 'connectTimeout', 10_000),
  };
}
