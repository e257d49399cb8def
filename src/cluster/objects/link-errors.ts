// The errors of a link that fails: every call settles with ProcessError ERR_CLUSTER_UNAVAILABLE
// when Redis cannot be reached in time or the connection drops; Redis' own answers
// (ReplyError: a bug, a wrong key type) pass through unchanged.
import { ProcessError, errors } from '../../errors.js';

/** The error every call settles with when Redis cannot be reached in time. */
export function unavailable(why: string, cause?: unknown): ProcessError {
  return errors.clusterUnavailable(`Redis is unavailable: ${why}; check that it runs and is reachable (calls give up after connectTimeout)`, { cause });
}

/** A ReplyError is Redis answering; anything else is the link failing. */
export function asLinkError(e: unknown): unknown {
  if (e instanceof ProcessError) return e;
  if (e instanceof Error && e.name === 'ReplyError') return e;
  return unavailable(e instanceof Error ? e.message : String(e), e);
}
