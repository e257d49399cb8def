// Functions the benchmarks hand to multiproc workers. They must be named exports: workers
// import this module to reach them (by reference, as pickle does). No top-level work here.

export function double(x: number): number {
  return x * 2;
}

export function identity<T>(x: T): T {
  return x;
}

/** Fixed-work CPU loop (an LCG); the benchmark calibrates `n` to ~20 ms on this machine. */
export function spin(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}

interface Conn {
  recv(): Promise<unknown>;
  send(x: unknown): Promise<void>;
}

/** Pipe echo: sends back everything it receives until the other end closes. */
export async function echo(conn: Conn): Promise<void> {
  while (true) {
    let m: unknown;
    try {
      m = await conn.recv();
    } catch {
      break;
    }
    await conn.send(m);
  }
}

/** An async wait of `ms` (I/O-like work: the worker is free meanwhile). */
export async function waitMs(ms: number): Promise<number> {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
}
