// Start methods: how a worker begins. 'process' (alias 'spawn') forks a child process,
// 'thread' starts a worker_thread. Everything above the runtime is the same for both.
import { errors } from '../errors.js';
import { globalSingleton } from '../util/state.js';

export type StartMethod = 'process' | 'thread';
export type StartMethodName = StartMethod | 'spawn';

const chosen = globalSingleton('startMethod', () => ({ method: null as StartMethod | null }));

export function normalizeMethod(method: unknown): StartMethod {
  if (method === 'process' || method === 'spawn') return 'process';
  if (method === 'thread') return 'thread';
  throw errors.invalidStartMethod(
    `unknown start method ${JSON.stringify(method)}; use one of ${getAllStartMethods()
      .map((m) => `'${m}'`)
      .join(', ')}`,
  );
}

/** Sets the default start method once; a second call needs `{ force: true }`. */
export function setStartMethod(method: StartMethodName | null, options: { force?: boolean } = {}): void {
  if (chosen.method !== null && !options.force) {
    throw errors.contextAlreadySet(`the start method is already '${chosen.method}'; pass { force: true } to change it`);
  }
  chosen.method = method === null ? null : normalizeMethod(method);
}

/** The default start method ('process' unless set). */
export function getStartMethod(): StartMethod {
  return chosen.method ?? 'process';
}

export function getAllStartMethods(): StartMethodName[] {
  return ['process', 'spawn', 'thread'];
}

/**
 * The addon file a parent verified, handed to a child process (runtime/spawn.ts sets it,
 * entry/bootstrap.ts takes it out). Here rather than in spawn.ts: a pool worker does not load spawn.ts.
 */
export const VERIFIED_ADDON_ENV = 'MULTIPROC_VERIFIED_ADDON';
