// Checks a cluster Pool makes at the call, before anything is sent: the same rules and words
// as the local Pool's (src/pool/pool.ts keeps its own private copies), plus the cluster's
// own: only cluster objects travel by reference, and modules must live under root.
import { prepare, type Prepared } from '../codec/codec.js';
import { ClassNode, ErrorNode, MapNode, NumberArray, SharedNode } from '../codec/reduce.js';
import { errors } from '../errors.js';
import type { SubmitOptions } from '../pool/task.js';
import { relativizeClasses } from './refs.js';

export function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return !!x && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

export function checkIterable(x: unknown): void {
  if (x === null || x === undefined || (typeof (x as Iterable<unknown>)[Symbol.iterator] !== 'function' && !isAsyncIterable(x))) {
    throw errors.invalidArgType('iterable must be an array, an iterable or an async iterable');
  }
}

export function checkChunksize(c: unknown): void {
  if (c !== undefined && (!Number.isInteger(c) || (c as number) < 1)) {
    throw errors.outOfRange(`chunksize must be an integer >= 1, got ${String(c)}`);
  }
}

export function checkSubmitOptions(opts: SubmitOptions | undefined): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== 'object') throw errors.invalidArgType('options must be an object, e.g. { timeout: 1000 }');
  const { timeout, signal, retries } = opts;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0) || timeout === Infinity)) {
    throw errors.outOfRange(`timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw errors.invalidArgType('signal must be an AbortSignal (new AbortController().signal)');
  }
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) {
    throw errors.outOfRange(`retries must be an integer >= 0 (how many times to rerun a task whose worker died), got ${String(retries)}`);
  }
}

export function checkArgs(args: unknown): void {
  if (args !== undefined && !Array.isArray(args)) throw errors.invalidArgType('args must be an array of arguments, e.g. pool.apply(fn, [1, 2])');
}

/** Throws ERR_NOT_TRANSFERABLE when a reduced value holds a shared object that lives in one machine. */
function refuseLocalShared(value: unknown, what: string): void {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (!v || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v) || v instanceof NumberArray) continue;
    seen.add(v);
    if (v instanceof SharedNode) {
      if (!v.type.startsWith('cluster.')) {
        throw errors.notTransferable(
          `${what} holds a ${v.type} that lives in this machine's memory and cannot reach a cluster worker; use the cluster context's objects (cluster.Queue, cluster.Lock, a cluster Manager dict, ...)`,
        );
      }
      continue;
    }
    if (v instanceof ClassNode) {
      stack.push(v.state);
      continue;
    }
    if (v instanceof ErrorNode) {
      stack.push(v.props, v.cause);
      continue;
    }
    if (v instanceof MapNode) {
      stack.push(v.entries);
      continue;
    }
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x === 'object') stack.push(x);
      continue;
    }
    if (v instanceof Map || v instanceof Set) {
      for (const x of v) stack.push(x);
      continue;
    }
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
}

/** prepare() for a cluster task: refuses local shared objects and classes outside root. */
export function prepareForCluster(value: unknown, what: string, root: string): Prepared {
  const p = prepare(value, what);
  if (p.reduced.refs.length > 0 || typeof p.reduced.value === 'object') refuseLocalShared(p.reduced.value, what);
  relativizeClasses(p, root, what, true);
  return p;
}

/** Checks items as one chunk; on failure names the bad item by its index in the input. */
export function prepareChunk(items: unknown[], first: number, root: string): Prepared {
  try {
    return prepareForCluster(items, 'iterable', root);
  } catch (e) {
    for (let i = 0; i < items.length; i++) prepareForCluster(items[i], `iterable[${first + i}]`, root);
    throw e;
  }
}
