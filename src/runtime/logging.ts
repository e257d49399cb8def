// CPython's multiprocessing logger: `[LEVEL/ProcessName] message` on stderr once
// logToStderr() is called; the level and the stderr switch travel to every child.
import { errors } from '../errors.js';
import { runtimeState, globalSingleton } from '../util/state.js';

export const LEVELS = { NOTSET: 0, SUBDEBUG: 5, DEBUG: 10, INFO: 20, SUBWARNING: 25, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type LevelName = keyof typeof LEVELS;
const NAMES = new Map<number, string>(Object.entries(LEVELS).map(([k, v]) => [v, k]));

export class Logger {
  /** null until set: then only WARNING and above would pass a handler. */
  level: number | null = null;
  toStderr = false;

  setLevel(level: LevelName | number): void {
    this.level = toLevel(level);
  }
  getEffectiveLevel(): number {
    return this.level ?? LEVELS.WARNING;
  }
  isEnabledFor(level: number): boolean {
    return this.toStderr && level >= this.getEffectiveLevel();
  }
  log(level: LevelName | number, message: string): void {
    const n = toLevel(level);
    if (!this.isEnabledFor(n)) return;
    process.stderr.write(`[${NAMES.get(n) ?? `Level ${n}`}/${runtimeState().name}] ${message}\n`);
  }
  subdebug(message: string): void {
    this.log(LEVELS.SUBDEBUG, message);
  }
  debug(message: string): void {
    this.log(LEVELS.DEBUG, message);
  }
  info(message: string): void {
    this.log(LEVELS.INFO, message);
  }
  subwarning(message: string): void {
    this.log(LEVELS.SUBWARNING, message);
  }
  warning(message: string): void {
    this.log(LEVELS.WARNING, message);
  }
  error(message: string): void {
    this.log(LEVELS.ERROR, message);
  }
}

function toLevel(level: LevelName | number): number {
  if (typeof level === 'number') return level;
  const n = LEVELS[String(level).toUpperCase() as LevelName];
  if (n === undefined) throw errors.invalidArgValue(`unknown log level '${level}'; use one of ${Object.keys(LEVELS).join(', ')}`, { as: 'RangeError' });
  return n;
}

const logger = globalSingleton('logger', () => new Logger());

/** The library's logger (CPython's `multiprocessing.get_logger()`). */
export function getLogger(): Logger {
  return logger;
}

/** Sends the logger's records to stderr, optionally setting the level. Returns the logger. */
export function logToStderr(level?: LevelName | number): Logger {
  logger.toStderr = true;
  if (level !== undefined) logger.setLevel(level);
  return logger;
}
