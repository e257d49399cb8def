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
  let i = from;
  if (!star && (input instanceof Int32Array || input instanceof Float64Array)) {
    const next = runInts(fn, input, i, out, errors);
    if (typeof next !== 'number') return next;
    i = next;
  }
  for (; i < input.length; i++) {
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

/**
 * Numbers in, int32s out (a numeric map's usual case): fn in a loop that writes its results
 * straight into the collector's buffer, with no call or check per item beyond the int test.
 * Few bytecodes a turn, so the first chunks, before V8 optimizes the loop, run fast too. At
 * the first other result it stores that result (or stops at it, a promise) and hands the rest
 * to the general loop; an item that throws is recorded and the loop goes on after it.
 */
function runInts(fn: Fn, input: Int32Array | Float64Array, from: number, out: NumberCollector, errors: [number, unknown][]): number | RunStop {
  let i = from;
  for (;;) {
    const slots = out.intSlots;
    if (slots === null || out.length !== i) return i;
    const start = i;
    let r: unknown;
    try {
      for (; i < input.length; i++) {
        r = fn(input[i]);
        if (typeof r !== 'number' || (r | 0) !== r || (r === 0 && 1 / r < 0)) break;
        slots[2 + i] = r;
      }
    } catch (e) {
      out.added(i - start);
      out.push(undefined);
      errors.push([i, e]);
      i++;
      continue;
    }
    out.added(i - start);
    if (i === input.length) return i;
    if (isThenable(r)) return { at: i, pending: r };
    out.push(r);
    return i + 1;
  }
}
