// wait(): the first of several connections or processes that is ready (CPython's
// multiprocessing.connection.wait).
import { errors } from '../errors.js';
import { type Connection } from './connection.js';
import { longTimeout, type LongTimer } from '../util/long-timer.js';

/** Anything with an exit or readiness to wait on: a Connection or a started Process. */
export interface Waitable {
  onReady(fn: () => void): () => void;
}

function isWaitable(o: unknown): o is Waitable {
  return !!o && typeof (o as Waitable).onReady === 'function';
}

/**
 * Resolves with the objects that are ready: connections with data (or at EOF) and processes
 * that ended. With `timeout` (ms) it resolves with `[]` when none became ready in time.
 */
export function wait<T extends Connection<unknown> | Waitable>(objects: Iterable<T>, timeout?: number): Promise<T[]> {
  const list = [...objects];
  for (const o of list) {
    if (!isWaitable(o)) throw errors.invalidArgType('wait() takes Connections and Processes (or their sentinels)');
  }
  return new Promise((resolve) => {
    const ready = new Set<T>();
    const cancels: (() => void)[] = [];
    let timer: LongTimer | undefined;
    let scheduled = false;
    const finish = () => {
      timer?.clear();
      for (const c of cancels) c();
      resolve(list.filter((o) => ready.has(o)));
    };
    for (const o of list) {
      cancels.push(
        (o as Waitable).onReady(() => {
          ready.add(o);
          // Collect everything that is ready in the same tick, then answer.
          if (!scheduled) {
            scheduled = true;
            setImmediate(finish);
          }
        }),
      );
    }
    if (!scheduled && timeout !== undefined && timeout !== null && timeout !== Infinity) {
      timer = longTimeout(finish, timeout);
    }
  });
}
