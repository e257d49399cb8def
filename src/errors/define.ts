// How a catalogue entry is made. Each entry is a factory: call it with the message (the
// details that vary from one call site to the next) and it returns the error, of the class the
// entry names, with `code` set; `factory.code` and `factory.entry` describe it for comparisons
// (`err.code === errors.noSuchObject.code`) and for docs/errors.md. One helper per kind of
// class, because the classes take different extra details (a WorkerLostError its exit).
import { BufferTooShort, EOFError, ProcessError, RemoteError, WorkerLostError } from './classes.js';

/** What docs/errors.md says about a code. */
export interface ErrorDoc {
  /** When the error happens, in a sentence or two. */
  readonly meaning: string;
  /** What to do about it. */
  readonly fix: string;
}

/** One code of the catalogue, as docs/errors.md lists it. */
export interface ErrorEntry extends ErrorDoc {
  readonly code: string;
  /** The class of errors with this code, e.g. 'TypeError'. */
  readonly className: string;
  /** Other classes a few call sites use for the same code (kept as they were, since callers match on them). */
  readonly also: readonly string[];
  /** 'node': Node.js raises it; the library recognizes it (and may pass it on) but never makes it. */
  readonly origin: 'multiproc' | 'node';
}

/** A catalogue factory: makes the error; `.code` and `.entry` describe it. */
export type Factory<K extends string, E, A extends unknown[]> = ((...args: A) => E & { code: K }) & {
  readonly code: K;
  readonly entry: ErrorEntry;
};

/** Options every factory takes: `cause` becomes the error's (non-enumerable) `cause`. */
export interface CauseOption {
  cause?: unknown;
}

function factory<K extends string, E, A extends unknown[]>(make: (...args: A) => E & { code: K }, entry: ErrorEntry): Factory<K, E, A> {
  return Object.assign(make, { code: entry.code as K, entry });
}

const BUILTINS = { Error, TypeError, RangeError } as const;
type BuiltinName = keyof typeof BUILTINS;
type BuiltinInstance<N extends BuiltinName> = InstanceType<(typeof BUILTINS)[N]>;

/**
 * A code carried by a built-in class (`Error` for misuse, `TypeError`, `RangeError`), as Node's
 * own argument errors are. `also`: other built-in classes some call sites use for this code;
 * they pick one with `{ as: 'RangeError' }`.
 */
export function builtin<const K extends string, const N extends BuiltinName, const A extends BuiltinName = never>(
  code: K,
  className: N,
  doc: ErrorDoc,
  also: readonly A[] = [],
): Factory<K, BuiltinInstance<N>, [message: string, options?: CauseOption & { as?: A }]> {
  const make = (message: string, options?: CauseOption & { as?: A }) => {
    const Ctor: ErrorConstructor = BUILTINS[options?.as ?? className];
    const err = (options && 'cause' in options ? new Ctor(message, { cause: options.cause }) : new Ctor(message)) as BuiltinInstance<N> & { code: K };
    err.code = code;
    return err;
  };
  return factory(make, { code, className, also, origin: 'multiproc', ...doc });
}

type ProcessErrorClass = new (message: string, options?: { cause?: unknown; code?: string }) => ProcessError;

/** A code carried by `ProcessError` or a subclass built the same way (`AuthenticationError`, `TimeoutError`). */
export function processError<const K extends string, C extends ProcessErrorClass = typeof ProcessError>(
  code: K,
  doc: ErrorDoc,
  Ctor?: C,
): Factory<K, InstanceType<C>, [message: string, options?: CauseOption]> {
  const Class = (Ctor ?? ProcessError) as ProcessErrorClass;
  const make = (message: string, options?: CauseOption) =>
    new Class(message, options && 'cause' in options ? { code, cause: options.cause } : { code }) as InstanceType<C> & { code: K };
  return factory(make, { code, className: Class.name, also: [], origin: 'multiproc', ...doc });
}

/** How a worker ended, as a WorkerLostError reports it. */
export interface WorkerExit {
  exitCode: number | null;
  signal: string | null;
}

/** A code carried by `WorkerLostError`: the message and how the worker ended. */
export function workerLost<const K extends string>(code: K, doc: ErrorDoc): Factory<K, WorkerLostError, [message: string, exit: WorkerExit]> {
  const make = (message: string, exit: WorkerExit) => new WorkerLostError(message, { exitCode: exit.exitCode, signal: exit.signal, code }) as WorkerLostError & { code: K };
  return factory(make, { code, className: 'WorkerLostError', also: [], origin: 'multiproc', ...doc });
}

/** ERR_BUFFER_TOO_SHORT: the message and the whole message's bytes (`err.data`). */
export function bufferTooShort(doc: ErrorDoc): Factory<'ERR_BUFFER_TOO_SHORT', BufferTooShort, [message: string, data: Buffer]> {
  const make = (message: string, data: Buffer) => new BufferTooShort(message, data) as BufferTooShort & { code: 'ERR_BUFFER_TOO_SHORT' };
  return factory(make, { code: 'ERR_BUFFER_TOO_SHORT', className: 'BufferTooShort', also: [], origin: 'multiproc', ...doc });
}

/** ERR_EOF: the peer closed and nothing is left to read. */
export function eof(doc: ErrorDoc): Factory<'ERR_EOF', EOFError, [message: string]> {
  const make = (message: string) => new EOFError(message) as EOFError & { code: 'ERR_EOF' };
  return factory(make, { code: 'ERR_EOF', className: 'EOFError', also: [], origin: 'multiproc', ...doc });
}

/** A code carried by `RemoteError` (an error raised on a manager's side). */
export function remote<const K extends string>(code: K, doc: ErrorDoc): Factory<K, RemoteError, [message: string]> {
  const make = (message: string) => Object.assign(new RemoteError(message), { code });
  return factory(make, { code, className: 'RemoteError', also: [], origin: 'multiproc', ...doc });
}

/** A code Node.js raises that the library recognizes (and may pass on) but never makes itself. */
export function fromNode(code: string, doc: ErrorDoc): ErrorEntry {
  return { code, className: 'Error', also: [], origin: 'node', ...doc };
}
