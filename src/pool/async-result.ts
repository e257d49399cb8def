// AsyncResult: what applyAsync/mapAsync return. A PromiseLike with CPython's get/wait/ready/
// successful. A failure nobody asks about is not an unhandled rejection (as in CPython).
import { errors } from '../errors.js';
import { longTimeout } from '../util/long-timer.js';
import { callReporting } from './report.js';

export class AsyncResult<T> implements PromiseLike<T> {
  #promise: Promise<T>;
  #state: 'pending' | 'ok' | 'error' = 'pending';

  /**
   * @internal `callback`/`errorCallback` run in this process before it is ready, as CPython's
   * do. One `then` does the callbacks and the state (no wrapper promise and closures besides).
   */
  constructor(promise: Promise<T>, callback?: (v: T) => void, errorCallback?: (e: unknown) => void) {
    this.#promise = promise.then(
      (v) => {
        if (callback) callReporting('callback', () => callback(v));
        this.#state = 'ok';
        return v;
      },
      (e: unknown) => {
        if (errorCallback) callReporting('errorCallback', () => errorCallback(e));
        this.#state = 'error';
        throw e;
      },
    );
    // A failure nobody asks about is not an unhandled rejection (as in CPython).
    this.#promise.then(undefined, ignore);
  }

  /** True once the task finished, successfully or not. */
  ready(): boolean {
    return this.#state !== 'pending';
  }

  /** Whether it finished without error. Throws ERR_RESULT_NOT_READY before ready(). */
  successful(): boolean {
    if (this.#state === 'pending') throw errors.resultNotReady('the result is not ready yet; await result.wait() first');
    return this.#state === 'ok';
  }

  /** The result; rejects with the task's error, or TimeoutError after `timeout` ms. */
  get(timeout?: number): Promise<T> {
    if (timeout === undefined || timeout === null || this.#state !== 'pending') return this.#promise;
    return new Promise<T>((resolve, reject) => {
      const timer = longTimeout(() => reject(errors.timeout(`result not ready within ${timeout} ms`)), timeout);
      this.#promise.then(
        (v) => {
          timer.clear();
          resolve(v);
        },
        (e: unknown) => {
          timer.clear();
          reject(e);
        },
      );
    });
  }

  /** Resolves when ready or after `timeout` ms, whichever is first; never rejects. */
  wait(timeout?: number): Promise<void> {
    const settled = this.#promise.then(
      () => undefined,
      () => undefined,
    );
    if (timeout === undefined || timeout === null) return settled;
    return new Promise((resolve) => {
      const timer = longTimeout(resolve, timeout);
      void settled.then(() => {
        timer.clear();
        resolve();
      });
    });
  }

  then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#promise.then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#promise.catch(onRejected);
  }
}

/**
 * An AsyncResult whose callbacks run in this process before it is ready, as CPython's do. A
 * callback that throws, or returns a promise that rejects, is reported and changes nothing.
 */
export function withCallbacks<T>(p: Promise<T>, callback?: (v: T) => void, errorCallback?: (e: unknown) => void): AsyncResult<T> {
  return new AsyncResult(p, callback, errorCallback);
}

function ignore(): void {}
