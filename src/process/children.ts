// The children this process started: for activeChildren(), and for shutdown (daemons are
// terminated when the program ends; the others are awaited, as CPython's atexit hook does).
import { getLogger } from '../runtime/logging.js';
import { globalSingleton } from '../util/state.js';

export interface ChildEntry {
  readonly name: string;
  readonly daemon: boolean;
  isAlive(): boolean;
  terminate(): void;
  join(): Promise<void>;
}

const children = globalSingleton('children', () => new Set<ChildEntry>());

export function addChild(child: ChildEntry): void {
  children.add(child);
}

/** Live children; finished ones are forgotten (reaped). */
export function liveChildren<T extends ChildEntry>(): T[] {
  const out: T[] = [];
  for (const c of children) {
    let alive = false;
    try {
      alive = c.isAlive();
    } catch {
      /* closed */
    }
    if (alive) out.push(c as T);
    else children.delete(c);
  }
  return out;
}

/** Synchronous part of shutdown: daemons are terminated. Used from the 'exit' event. */
export function terminateDaemons(): void {
  const log = getLogger();
  for (const c of liveChildren()) {
    if (c.daemon) {
      log.info(`calling terminate() for daemon ${c.name}`);
      c.terminate();
    }
  }
}

/** Asynchronous shutdown of a worker process: terminate daemons, then join the others. */
export async function shutdownChildren(): Promise<void> {
  const log = getLogger();
  log.info('process shutting down');
  log.debug('running all "atexit" finalizers with priority >= 0');
  terminateDaemons();
  for (const c of liveChildren()) {
    log.info(`calling join() for process ${c.name}`);
    await c.join();
  }
  log.debug('running the remaining "atexit" finalizers');
}

let hooked = false;
/** In the main program: log and terminate daemons when it exits. */
export function hookMainExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    const log = getLogger();
    log.info('process shutting down');
    log.debug('running all "atexit" finalizers with priority >= 0');
    terminateDaemons();
    log.debug('running the remaining "atexit" finalizers');
  });
}
