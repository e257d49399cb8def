// The library's error classes. Which code each error carries, what it means and the factory
// that makes it are in the catalogue (./catalogue.ts). The classes are made once per thread
// (a per-thread singleton), so every entry of the library loaded there (the ESM and CommonJS
// entries, the worker bootstrap) throws and revives the same classes: instanceof holds.
import { globalSingleton } from '../util/state.js';

function defineErrors() {
  /** Base class of the library's process-related errors (CPython's `ProcessError`). */
  class ProcessError extends Error {
    code?: string;
    constructor(message?: string, options?: { cause?: unknown; code?: string }) {
      super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
      if (options?.code) this.code = options.code;
    }
    override get name(): string {
      return this.constructor.name;
    }
  }

  /** `recvBytesInto` got a message larger than the buffer; `data` holds the whole message. */
  class BufferTooShort extends ProcessError {
    constructor(
      message: string,
      readonly data: Buffer,
    ) {
      super(message, { code: 'ERR_BUFFER_TOO_SHORT' });
    }
  }

  class AuthenticationError extends ProcessError {}

  /** A wait ran out of time. `name` is `'TimeoutError'`, like the DOM's. */
  class TimeoutError extends ProcessError {
    constructor(message = 'timed out', options?: { cause?: unknown; code?: string }) {
      super(message, { code: 'ERR_TIMEOUT', ...options });
    }
  }

  /** The worker that held a task ended before the task finished. */
  class WorkerLostError extends ProcessError {
    exitCode: number | null;
    signal: string | null;
    constructor(message: string, info: { exitCode: number | null; signal: string | null; code?: string }) {
      super(message, { code: info.code ?? 'ERR_WORKER_LOST' });
      this.exitCode = info.exitCode;
      this.signal = info.signal;
    }
  }

  /** An error raised on the other side of a manager/listener connection, without its class. */
  class RemoteError extends Error {
    override get name(): string {
      return 'RemoteError';
    }
  }

  class Empty extends Error {
    override get name(): string {
      return 'Empty';
    }
  }
  class Full extends Error {
    override get name(): string {
      return 'Full';
    }
  }
  /** The queue was shut down (Python 3.13's queue.ShutDown): puts are refused, gets once it is empty. */
  class ShutDown extends Error {
    override get name(): string {
      return 'ShutDown';
    }
  }
  class BrokenBarrierError extends Error {
    override get name(): string {
      return 'BrokenBarrierError';
    }
  }

  /** The peer closed and nothing is left to read. */
  class EOFError extends Error {
    code = 'ERR_EOF';
    override get name(): string {
      return 'EOFError';
    }
  }
  const classes = { ProcessError, BufferTooShort, AuthenticationError, TimeoutError, WorkerLostError, RemoteError, Empty, Full, ShutDown, BrokenBarrierError, EOFError };
  // Bundlers may rename these inner classes; their names are API (err.name, stack headers).
  for (const [name, cls] of Object.entries(classes)) Object.defineProperty(cls, 'name', { value: name, configurable: true });
  return classes;
}

const E = globalSingleton('errorClasses', defineErrors);

/** Base class of the library's process-related errors (CPython's `ProcessError`). */
export const ProcessError = E.ProcessError;
export type ProcessError = InstanceType<typeof ProcessError>;
/** `recvBytesInto` got a message larger than the buffer; `data` holds the whole message. */
export const BufferTooShort = E.BufferTooShort;
export type BufferTooShort = InstanceType<typeof BufferTooShort>;
export const AuthenticationError = E.AuthenticationError;
export type AuthenticationError = InstanceType<typeof AuthenticationError>;
/** A wait ran out of time. `name` is `'TimeoutError'`, like the DOM's. */
export const TimeoutError = E.TimeoutError;
export type TimeoutError = InstanceType<typeof TimeoutError>;
/** The worker that held a task ended before the task finished. */
export const WorkerLostError = E.WorkerLostError;
export type WorkerLostError = InstanceType<typeof WorkerLostError>;
/** An error raised on the other side of a manager/listener connection, without its class. */
export const RemoteError = E.RemoteError;
export type RemoteError = InstanceType<typeof RemoteError>;
export const Empty = E.Empty;
export type Empty = InstanceType<typeof Empty>;
export const Full = E.Full;
export type Full = InstanceType<typeof Full>;
/** The queue was shut down (Python 3.13's queue.ShutDown): puts are refused, gets once it is empty. */
export const ShutDown = E.ShutDown;
export type ShutDown = InstanceType<typeof ShutDown>;
export const BrokenBarrierError = E.BrokenBarrierError;
export type BrokenBarrierError = InstanceType<typeof BrokenBarrierError>;
/** The peer closed and nothing is left to read. */
export const EOFError = E.EOFError;
export type EOFError = InstanceType<typeof EOFError>;
