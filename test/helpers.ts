import { readFileSync } from 'node:fs';
// Shared by the behavioural suites: they run once per context.
export const contexts = ['process', 'thread'] as const;
export type Ctx = (typeof contexts)[number];

/** Rejects if `p` does not settle within `ms`: every wait in a test is bounded. */
export function within<T>(ms: number, p: PromiseLike<T>, what = 'operation'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    Promise.resolve(p).then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** The error a promise rejects with (fails if it resolves). */
export async function rejection(p: PromiseLike<unknown>, ms = 20_000): Promise<Error & { code?: string; [k: string]: unknown }> {
  try {
    await within(ms, p);
  } catch (e) {
    return e as Error & { code?: string; [k: string]: unknown };
  }
  throw new Error('expected a rejection');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true once process `pid` is gone, false if it is still there after `ms`. */
export async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (isAlivePid(pid)) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

/** A process that exists and is not a zombie (a dead child nobody reaped yet). */
export function isAlivePid(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc here: existence is all we can tell
  }
}
