// Condition.waitFor, once for every Condition (the local one over the hub and the cluster one
// over Redis): wait() until the predicate, checked with the lock held, is truthy or the time is
// up. The deadline is kept across wake-ups, so spurious or unrelated notifies do not extend it.
import { timeoutArg } from '../hub/proxy.js';

export async function waitFor<R>(wait: (timeout?: number) => Promise<boolean>, predicate: () => R | Promise<R>, timeout?: number): Promise<R> {
  const limit = timeoutArg(timeout, 'Condition.waitFor()');
  const end = limit === null ? Infinity : performance.now() + limit;
  let result = await predicate();
  while (!result) {
    const left = end - performance.now();
    if (left <= 0) break;
    await wait(left === Infinity ? undefined : left);
    result = await predicate();
  }
  return result;
}
