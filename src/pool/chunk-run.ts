// The inner loop of a map chunk in a pool worker: fn over the items, synchronously, until a
// result is a promise. A plain function (not the async runTask around it) so V8 optimizes
// the loop while it runs; the worker awaits a promise result and calls it again after it.
import type { NumberCollector } from '../codec/numbers.js';
import { isThenable } from './item-results.js';

type Fn = (...args: unknown[]) => unknown;

/** Where runItems stopped: at the end (`pending` undefined), or at item `at`, whose result is `pending`. */
export interface RunStop {
  at: number;
  pending: PromiseLike<unknown> | undefined;
}

const DONE: RunStop = { at: -1, pending: undefined };

/**
 * Runs fn on `input[from..]` (spread, for starmap) into `out`; an item that throws gives
 * undefined there and [position, error] in `errors`.
 */
export function runItems(fn: Fn, input: ArrayLike<unknown>, star: boolean, from: number, out: NumberCollector, errors: [number, unknown][]): RunStop {
  for (let i = from; i < input.length; i++) {
    let r: unknown;
    try {
      r = star ? fn(...(input[i] as unknown[])) : fn(input[i]);
    } catch (e) {
      out.push(undefined);
      errors.push([i, e]);
      continue;
    }
    if (isThenable(r)) return { at: i, pending: r };
    out.push(r);
  }
  return DONE;
}
