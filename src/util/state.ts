// Per-thread runtime identity (who this process or thread is), and per-thread singletons.
// A thread holds one copy of the library (the CommonJS entry loads the ES module build, tests
// reach internals through the same bundle), so module state is all it takes: nothing is kept
// on globalThis.

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

let state: RuntimeState | undefined;

export function runtimeState(): RuntimeState {
  state ??= { name: 'MainProcess', identity: [], daemon: false, address: '', isWorker: false, parent: null, bootstrapping: 0, childCounter: 0 };
  return state;
}

const singletons = new Map<string, unknown>();

/**
 * The singleton named `name` in this thread, made by `create` on first use. (Once kept on
 * globalThis for a second copy of the library; now a plain module registry, kept so call
 * sites written against it need not change.)
 */
export function globalSingleton<T>(name: string, create: () => T): T {
  let value = singletons.get(name) as T | undefined;
  if (value === undefined) {
    value = create();
    singletons.set(name, value);
  }
  return value;
}
