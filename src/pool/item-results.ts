// What a map chunk sends back, shared by a pool worker (pool/worker-main.ts) and a cluster
// worker's pool process (cluster/run-task.ts): items that threw, and results that cannot be
// sent, fail at their own positions while the others arrive.
import { encode } from '../codec/codec.js';

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return !!v && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function';
}

/** `e` if it can be sent, else the error saying why not (a thrown symbol, say). */
export function sendable(e: unknown): unknown {
  try {
    encode(e, 'error');
    return e;
  } catch (err) {
    return err;
  }
}

/**
 * The failures of a chunk whose results did not encode as a whole: the items that threw
 * (`thrown`) and each result that cannot be sent, by position, as errors that can be; their
 * places in `results` become undefined.
 */
export function failuresAtPositions(results: unknown[], thrown: Array<[number, unknown]>): Array<[number, unknown]> {
  const failed = new Map(thrown);
  for (let i = 0; i < results.length; i++) {
    if (failed.has(i)) {
      results[i] = undefined;
      continue;
    }
    try {
      encode(results[i], 'result');
    } catch (e) {
      failed.set(i, e);
      results[i] = undefined;
    }
  }
  return [...failed].map(([i, e]) => [i, sendable(e)]);
}
