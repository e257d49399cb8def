// Runs one cluster task inside a process (or thread) of a `multiproc worker`'s local Pool: the
// worker has checked its signature; this decodes it under the worker's root, runs it, and
// returns the result bytes (kind byte + codec bytes, class references relative to root) for
// the worker to send back untouched. The worker's own process never decodes user values, so
// it never imports user modules. Built as its own entry (dist/esm/cluster-task.js) so a
// local Pool can name runClusterTask by module and export.
import { decode, encode, prepare, pack } from '../codec/codec.js';
import { failuresAtPositions, isThenable } from '../pool/item-results.js';
import { NumberCollector, packNumbers, readNumbers } from '../codec/numbers.js';
import { runItems } from '../pool/chunk-run.js';
import { resolveFnRef } from '../functions/resolve.js';
import type { FnRef } from '../functions/reference.js';
import { Mode } from '../protocol/runtime.js';
import { Kind, parseTask } from './wire.js';
import { classesUnderRoot, relativizeClasses, underRoot } from './refs.js';
import './objects/revive.js';

type Fn = (...args: unknown[]) => unknown;

function withKind(kind: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + bytes.length);
  out[0] = kind;
  out.set(bytes, 1);
  return out;
}

function encodeRel(value: unknown, root: string, what: string): Uint8Array {
  const p = prepare(value, what);
  relativizeClasses(p, root, what, false);
  return pack(p);
}

function encodeError(e: unknown, root: string): Uint8Array {
  try {
    return encodeRel(e, root, 'error');
  } catch (err) {
    return encode(err);
  }
}

/** The task's outcome as bytes: [Kind, ...codec bytes]. Rejects only on a bug here. */
export async function runClusterTask(task: Uint8Array, root: string): Promise<Uint8Array> {
  const parsed = parseTask(task);
  if (typeof parsed === 'string') return withKind(Kind.ERROR, encode(new Error(parsed)));
  const { header, payload } = parsed;
  let fn: Fn;
  let input: ArrayLike<unknown>;
  try {
    const f = header.f;
    const ref: FnRef = 'p' in f ? { m: underRoot(f.p, root), e: f.e, n: f.n } : f;
    fn = await resolveFnRef(ref);
    // A map chunk of numbers is read as a typed array, as a local pool worker reads it (no large JS array to build).
    const numbers = header.m === Mode.MAP ? readNumbers(payload) : null;
    const decoded = numbers ?? decode(classesUnderRoot(payload, root));
    input = (isThenable(decoded) ? await decoded : decoded) as ArrayLike<unknown>;
  } catch (e) {
    return withKind(Kind.ERROR, encodeError(e, root));
  }
  if (header.m === Mode.APPLY) {
    try {
      let r = fn(...(input as unknown[]));
      if (isThenable(r)) r = await r;
      return withKind(Kind.OK, encodeRel(r, root, 'result'));
    } catch (e) {
      return withKind(Kind.ERROR, encodeError(e, root));
    }
  }
  // The loop of a local pool worker (chunk-run.ts): results that are all numbers go back as one number array.
  const out = new NumberCollector(input.length);
  let errors: [number, unknown][] | null = null;
  const star = header.m === Mode.STARMAP;
  for (let i = 0; i < input.length;) {
    const stop = runItems(fn, input, star, i, out, (errors ??= []));
    if (stop.pending === undefined) break;
    try {
      out.push(await stop.pending);
    } catch (e) {
      out.push(undefined);
      errors.push([stop.at, e]);
    }
    i = stop.at + 1;
  }
  if (errors?.length === 0) errors = null;
  const numbers = errors ? null : out.numbers;
  if (numbers) return withKind(Kind.OK, packNumbers(numbers, 0, numbers.length, numbers instanceof Int32Array ? 4 : 8));
  const results = out.toArray();
  if (!errors) {
    try {
      return withKind(Kind.OK, encodeRel(results, root, 'result'));
    } catch {
      errors = [];
    }
  }
  return withKind(Kind.PARTIAL, encodeRel([results, failuresAtPositions(results, errors)], root, 'result'));
}

/** Several tasks taken together (see task-runner.ts): run one after another, each outcome its own. */
export async function runClusterBatch(tasks: Uint8Array[], root: string): Promise<Uint8Array[]> {
  const outs: Uint8Array[] = [];
  for (const t of tasks) outs.push(await runClusterTask(t, root));
  return outs;
}
