// Small helpers shared by the Node benchmark scripts. Every script prints exactly one JSON
// line on stdout (`emit`), which bench/run.ts parses; anything else goes to stderr.
import fs from 'node:fs';

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function now(): number {
  return performance.now();
}

/** `--name=value` from argv, or the default. */
export function arg(name: string, def: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : def;
}

export function intArg(name: string, def: number): number {
  return Number(arg(name, String(def)));
}

export function emit(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

export function errMessage(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const head = e.name === 'Error' && !code ? '' : `${e.name}${code ? ` [${String(code)}]` : ''}: `;
    return `${head}${e.message}`.split('\n')[0];
  }
  return String(e);
}

/** A benchmark child waiting for orders: tell it to end (null), give it 5 s, then terminate it. */
export async function stopChild(
  conn: { send(v: null): Promise<void> },
  proc: { join(ms: number): Promise<void>; isAlive(): boolean; terminate(): void },
  label: string,
): Promise<void> {
  try {
    await conn.send(null);
    await proc.join(5000);
    if (proc.isAlive()) proc.terminate();
  } catch (e) {
    process.stderr.write(`[${label} cleanup] ${errMessage(e)}\n`);
  }
}

/** Reject after `ms` so a hung library call becomes an `error:` figure instead of a hang. */
export function withTimeout<T>(p: Promise<T> | PromiseLike<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    Promise.resolve(p).finally(() => clearTimeout(t)),
    new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`timeout: ${what} did not settle within ${ms} ms`)), ms);
      t.unref();
    }),
  ]);
}

/**
 * Runs named measurements one after another; each either yields an array of samples
 * or fails with a message. Prints `{ samples: {name: number[]}, errors: {name: msg} }`
 * and exits (so a stuck worker cannot keep the script alive).
 */
export async function runMeasurements(
  list: Array<[string, () => Promise<Record<string, number[]>>]>,
  extra: Record<string, unknown> = {},
  cleanup?: () => Promise<void>,
): Promise<never> {
  const samples: Record<string, number[]> = {};
  const errors: Record<string, string> = {};
  for (const [name, fn] of list) {
    try {
      Object.assign(samples, await fn());
    } catch (e) {
      errors[name] = errMessage(e);
      process.stderr.write(`[${name}] ${e instanceof Error ? e.stack : String(e)}\n`);
    }
  }
  if (cleanup) {
    try {
      await withTimeout(cleanup(), 10_000, 'cleanup');
    } catch (e) {
      process.stderr.write(`[cleanup] ${errMessage(e)}\n`);
    }
  }
  emit({ samples, errors, ...extra });
  process.exit(0);
}

/** Frames for the raw socket anchors: 4-byte big-endian length, then the payload. */
export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** Incremental frame parser: feed chunks, get whole payloads. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private onFrame: (payload: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (this.buf.length < 4 + len) break;
      const payload = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      this.onFrame(payload);
    }
  }
}

/**
 * Calibrates `spin` (bench/tasks.ts) to an iteration count that takes `ms` milliseconds
 * on this machine (median of several timings after JIT warm-up).
 */
export function calibrateSpin(spin: (n: number) => number, ms: number): number {
  let n = 1_000_000;
  for (let i = 0; i < 5; i++) spin(n); // warm up / optimise
  for (;;) {
    const t0 = now();
    spin(n);
    const dt = now() - t0;
    if (dt > 5) {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const a = now();
        spin(n);
        times.push(now() - a);
      }
      return Math.round((n * ms) / median(times));
    }
    n *= 4;
  }
}

/**
 * Removes the POSIX shared memory name behind a multiproc Value / SharedArray (made by this
 * script), so runs do not pile 100 MiB segments up in /dev/shm: the library's resource tracker
 * is still a placeholder (src/shm/tracker.ts) and nothing unlinks them. The name comes from
 * the object's own reduce state (the codec's `Symbol.for('multiproc.reduce')`), so only this
 * script's segments are touched. Call it when the children are done; mappings stay valid.
 */
export function unlinkShared(obj: unknown): void {
  try {
    const reduce = (obj as Record<symbol, unknown> | null)?.[Symbol.for('multiproc.reduce')];
    if (typeof reduce !== 'function') return;
    const name = (reduce.call(obj) as { state?: unknown[] })?.state?.[0];
    if (typeof name === 'string' && /^[\w.-]+$/.test(name) && fs.existsSync(`/dev/shm/${name}`)) fs.unlinkSync(`/dev/shm/${name}`);
  } catch (e) {
    process.stderr.write(`[unlinkShared] ${errMessage(e)}\n`);
  }
}
