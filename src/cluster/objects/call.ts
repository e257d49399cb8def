// How objects talk to Redis through their link: every failure of the link itself becomes
// ProcessError ERR_CLUSTER_UNAVAILABLE (asLinkError), scripts run by sha (loaded once per
// connection on NOSCRIPT), and blocking pops run on a dedicated connection that goes back to
// the link when the pop answered, or is dropped when it did not (a wait that is cut short).
import { longTimeout } from '../../util/long-timer.js';
import { createHash } from 'node:crypto';
import type { Redis } from '../deps.js';
import type { ClusterLink } from './link.js';
import { asLinkError, unavailable } from './link-errors.js';

/**
 * Runs `fn` (quick commands, never a blocking one) on the link's shared connection. Link
 * failures reject ERR_CLUSTER_UNAVAILABLE, and so does a Redis that takes longer than
 * connectTimeout to answer (a frozen server keeps the connection open but never replies).
 */
export async function run<T>(link: ClusterLink, fn: (c: Redis) => Promise<T>): Promise<T> {
  let c: Redis;
  try {
    c = await link.command();
  } catch (e) {
    throw asLinkError(e);
  }
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(`no answer within connectTimeout (${link.connectTimeout} ms)`)), link.connectTimeout);
  });
  try {
    return await Promise.race([fn(c), silent]);
  } catch (e) {
    throw asLinkError(e);
  } finally {
    clearTimeout(timer);
  }
}

const shas = new Map<string, string>();
function shaOf(src: string): string {
  let sha = shas.get(src);
  if (!sha) {
    sha = createHash('sha1').update(src).digest('hex');
    shas.set(src, sha);
  }
  return sha;
}

type Arg = string | number | Buffer;

/** Runs a script (EVALSHA, EVAL when Redis does not have it yet). Replies as strings. */
export function evalScript(link: ClusterLink, src: string, keys: string[], args: Arg[]): Promise<unknown> {
  return run(link, async (c) => {
    try {
      return await c.evalsha(shaOf(src), keys.length, ...keys, ...args);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('NOSCRIPT')) return await c.eval(src, keys.length, ...keys, ...args);
      throw e;
    }
  });
}

/** As evalScript, with bulk replies as Buffers (scripts that hand out stored values). */
export function evalScriptBuffer(link: ClusterLink, src: string, keys: string[], args: Arg[]): Promise<unknown> {
  return run(link, async (c) => {
    try {
      return await c.callBuffer('EVALSHA', shaOf(src), keys.length, ...keys, ...args);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('NOSCRIPT')) return await c.callBuffer('EVAL', src, keys.length, ...keys, ...args);
      throw e;
    }
  });
}

/** Redis takes blocking timeouts in seconds (decimals allowed since 6.0); 0 means forever. */
function seconds(ms: number): number {
  return Math.max(0.01, Math.ceil(ms) / 1000);
}

/**
 * BLPOP on a dedicated connection: the popped value, or null when `ms` passed (Infinity:
 * wait forever). Rejects ERR_CLUSTER_UNAVAILABLE when the connection drops meanwhile.
 */
export async function blockingPop(link: ClusterLink, key: string, ms: number): Promise<Buffer | null> {
  let c: Redis;
  try {
    c = await link.blocking();
  } catch (e) {
    throw asLinkError(e);
  }
  // A Redis that is frozen (not dead) never ends a BLPOP: past its own timeout plus
  // connectTimeout, the connection is dropped, which rejects the pop.
  const guard = ms === Infinity ? undefined : longTimeout(() => c.disconnect(false), ms + link.connectTimeout);
  try {
    const r = await c.blpopBuffer(key, ms === Infinity ? 0 : seconds(ms));
    link.release(c);
    return r ? r[1] : null;
  } catch (e) {
    link.release(c);
    throw asLinkError(e);
  } finally {
    guard?.clear();
  }
}
