// Runs one cluster task inside a process (or thread) of a `multiproc worker`'s local Pool: the
// worker has checked its signature; this decodes it under the worker's root, runs it, and
// returns the result bytes (kind byte + codec bytes, class references relative to root) for
// the worker to send back untouched. The worker's own process never decodes user values, so
// it never imports user modules. Built as its own entry (dist/esm/cluster-task.js) so a
// local Pool can name runClusterTask by module and export.
import { decode, encode, prepare, pack } from '../codec/codec.js';
import { failuresAtPositions, isThenable } from '../pool/item-results.js';
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
  let input: unknown[];
  try {
    const f = header.f;
    const ref: FnRef = 'p' in f ? { m: underRoot(f.p, root), e: f.e, n: f.n } : f;
    fn = await resolveFnRef(ref);
    const decoded = decode(classesUnderRoot(payload, root));
    input = (isThenable(decoded) ? await decoded : decoded) as unknown[];
  } catch (e) {
    return withKind(Kind.ERROR, encodeError(e, root));
  }
  if (header.m === Mode.APPLY) {
    try {
      let r = fn(...input);
      if (isThenable(r)) r = await r;
      return withKind(Kind.OK, encodeRel(r, root, 'result'));
    } catch (e) {
      return withKind(Kind.ERROR, encodeError(e, root));
    }
  }
  const results: unknown[] = [];
  let errors: [number, unknown][] | null = null;
  for (let i = 0; i < input.length; i++) {
    try {
      let r = header.m === Mode.STARMAP ? fn(...(input[i] as unknown[])) : fn(input[i]);
      if (isThenable(r)) r = await r;
      results.push(r);
    } catch (e) {
      results.push(undefined);
      (errors ??= []).push([i, e]);
    }
  }
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
