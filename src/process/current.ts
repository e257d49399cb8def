// currentProcess(), parentProcess(), activeChildren(), cpuCount().
import os from 'node:os';
import { inspect } from 'node:util';
import { globalSingleton, runtimeState } from '../util/state.js';
import { liveChildren } from './children.js';
import { programAuthKey } from '../runtime/auth-key.js';
import type { Process } from './process.js';

/** This process as seen from inside it (CPython's `_MainProcess` in the main program). */
export class CurrentProcess {
  get name(): string {
    return runtimeState().name;
  }
  set name(value: string) {
    runtimeState().name = String(value);
  }
  get pid(): number {
    return process.pid;
  }
  get ident(): number {
    return process.pid;
  }
  get daemon(): boolean {
    return runtimeState().daemon;
  }
  get identity(): number[] {
    return [...runtimeState().identity];
  }
  /** The program's key (CPython's `current_process().authkey`), random in the main program, inherited by workers. A copy. */
  get authKey(): Buffer {
    return Buffer.from(programAuthKey());
  }
  isAlive(): boolean {
    return true;
  }
  toString(): string {
    const s = runtimeState();
    const cls = s.isWorker ? 'Process' : '_MainProcess';
    return `<${cls} name='${s.name}' parent=${s.parent?.pid ?? 'None'} started${s.daemon ? ' daemon' : ''}>`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** The parent of this process, seen from the child. */
export class ParentProcess {
  constructor(
    readonly name: string,
    readonly pid: number,
  ) {}
  isAlive(): boolean {
    if (this.pid === process.pid) return true; // thread context: same OS process
    try {
      process.kill(this.pid, 0);
      return process.ppid === this.pid;
    } catch {
      return false;
    }
  }
  toString(): string {
    return `<_ParentProcess name='${this.name}' parent=None unknown>`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

const current = globalSingleton('currentProcess', () => ({ value: null as Process | CurrentProcess | null }));
export function setCurrentProcess(p: Process): void {
  current.value = p;
}

/** The process this code runs in: `name` is 'MainProcess' in the main program. */
export function currentProcess(): Process | CurrentProcess {
  return (current.value ??= new CurrentProcess());
}

/** The parent process, or null in the main program. */
export function parentProcess(): ParentProcess | null {
  const p = runtimeState().parent;
  return p ? new ParentProcess(p.name, p.pid) : null;
}

/** Children started by this process that are still running (finished ones are reaped). */
export function activeChildren(): Process[] {
  return liveChildren<Process>();
}

/** Number of CPUs this process may use. */
export function cpuCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
