// How objects talk to Redis through their link: every failure of the link itself becomes
// ProcessError ERR_CLUSTER_UNAVAILABLE (asLinkError), scripts run by sha (loaded once per
// connection on NOSCRIPT), and blocking pops run on a dedicated connection that goes back to
// the link when the pop answered, or is dropped when it did not (a wait that is cut short).
import { createHash } from 'node:crypto';
import type { Redis } from '../deps.js';
import type { ClusterLink } from './link.js';
import { asLinkError } from './link-errors.js';

/** Runs `fn` on the link's shared connection; link failures reject ERR_CLUSTER_UNAVAILABLE. */
export async function run<T>(link: ClusterLink, fn: (c: Redis) => Promise<T>): Promise<T> {
  try {
    return await fn(await link.command());
  } catch (e) {
    throw asLinkError(e);
  }
}

const shas = new Map<string, string>();
function shaOf(src: string): string {
  let sha = shas.get(src);
  if (!sha) { sha = createHash('sha1').update(src).digest('hex'); shas.set(src, sha); }
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
function seconds(ms: number): number { return Math.max(0.01, Math.ceil(ms) / 1000); }

/**
 * BLPOP on a dedicated connection: the popped value, or null when `ms` passed (Infinity:
 * wait forever). Rejects ERR_CLUSTER_UNAVAILABLE when the connection drops meanwhile.
 */
export async function blockingPop(link: ClusterLink, key: string, ms: number): Promise<Buffer | null> {
  let c: Redis;
  try { c = await link.blocking(); } catch (e) { throw asLinkError(e); }
  try {
    const r = await c.blpopBuffer(key, ms === Infinity ? 0 : seconds(ms));
    link.release(c);
    return r ? r[1] : null;
  } catch (e) {
    link.release(c);
    throw asLinkError(e);
  }
}
