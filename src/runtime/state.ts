// Per-thread runtime identity, kept on globalThis so the ESM and CommonJS builds of the library,
// loaded side by side in one worker, agree on who this process is.

export interface ProcessIdentity {
  name: string;
  /** CPython's `_identity`: child counters from the main process down, e.g. [1, 2]. */
  identity: number[];
  daemon: boolean;
  /** Tree address used to route Connection traffic: '' is the main program. */
  address: string;
}

export interface RuntimeState extends ProcessIdentity {
  /** True inside a worker started by this library (process or thread). */
  isWorker: boolean;
  parent: { pid: number; name: string } | null;
  /** > 0 while a worker imports user modules: starting workers then is a fork bomb. */
  bootstrapping: number;
  childCounter: number;
  /** Resolved `tsx/esm/api` URL when the main program runs under tsx, for thread workers. */
  tsxApi?: string;
  authKey?: Uint8Array;
}

const KEY = Symbol.for('multiproc.runtimeState');

export function runtimeState(): RuntimeState {
  const g = globalThis as unknown as Record<symbol, RuntimeState | undefined>;
  let state = g[KEY];
  if (!state) {
    state = { name: 'MainProcess', identity: [], daemon: false, address: '', isWorker: false, parent: null, bootstrapping: 0, childCounter: 0 };
    g[KEY] = state;
  }
  return state;
}

/** A per-thread singleton shared by every copy of the library loaded in this thread. */
export function globalSingleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(`multiproc.${name}`);
  const g = globalThis as unknown as Record<symbol, T | undefined>;
  let value = g[key];
  if (value === undefined) { value = create(); g[key] = value; }
  return value;
}
