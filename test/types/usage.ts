// Compile-time checks of the public types (run by test/types.test.ts with tsc --noEmit).
import {
  Pool,
  Process,
  Pipe,
  type AsyncResult,
  type ImapIterator,
  getContext,
  Queue,
  Lock,
  Manager,
  BaseManager,
  Listener,
  Client,
  SharedMemoryManager,
  type ShareableList,
  taskSignal,
  type Connection,
  type Context,
  type DictProxy,
  type ListProxy,
  type SetProxy,
  type RemoteProxy,
  type PoolStats,
  type Progress,
  SharedArray,
  RawArray,
} from 'multiproc';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T>(_value: T): void {}
function assertType<_T extends true>(): void {}

export function square(x: number): number {
  return x * x;
}
export async function slowLen(s: string): Promise<number> {
  return s.length;
}
export function add(a: number, b: number): number {
  return a + b;
}
export function init(tag: string, n: number): void {
  void tag;
  void n;
}
export async function talk(conn: Connection<string>): Promise<void> {
  await conn.send('hi');
}
export async function fill(q: Queue<number>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await q.put(i);
}
export class Maths {
  add(a: number, b: number): number {
    return a + b;
  }
  async half(x: number): Promise<number> {
    return x / 2;
  }
}

export async function check(): Promise<void> {
  const pool = new Pool({ processes: 2, initializer: init, initArgs: ['x', 1] });
  const m = pool.map(square, [1, 2, 3]);
  assertType<Equal<typeof m, Promise<number[]>>>();
  const a = pool.apply(slowLen, ['abc']);
  assertType<Equal<typeof a, Promise<number>>>();
  const s = pool.starmap(add, [
    [1, 2],
    [3, 4],
  ]);
  assertType<Equal<typeof s, Promise<number[]>>>();
  const r = pool.applyAsync(square, [3], { callback: (v) => expectType<number>(v) });
  assertType<Equal<typeof r, AsyncResult<number>>>();
  const it = pool.imap(slowLen, ['a', 'bb']);
  assertType<Equal<typeof it, ImapIterator<number>>>();
  for await (const n of it) expectType<number>(n);
  // @ts-expect-error: square takes numbers
  pool.map(square, ['a']);
  // @ts-expect-error: args must match the parameters
  pool.apply(add, ['1', 2]);
  // retries next to timeout and signal, on every submission; a heap limit per worker
  const retried = pool.map(square, [1, 2], { retries: 3, timeout: 1000, chunksize: 1 });
  assertType<Equal<typeof retried, Promise<number[]>>>();
  pool.applyAsync(square, [1], { retries: 1, callback: (v) => expectType<number>(v) });
  pool.imapUnordered(square, [1], { retries: 2 });
  // @ts-expect-error: retries is a number
  pool.apply(square, [1], { retries: '3' });
  // watching and sizing
  const watched = new Pool({ processes: 4, minProcesses: 0, idleTimeout: 1000, maxQueue: 100, tasksPerWorker: 8 });
  const st = watched.stats();
  expectType<PoolStats>(st);
  expectType<number>(st.runTime.p99);
  watched.on('workerExit', ({ pid, exitCode, signal, lostTasks }) => {
    expectType<number>(pid);
    expectType<number | null>(exitCode);
    expectType<string | null>(signal);
    expectType<number>(lostTasks);
  });
  watched.on('workerStart', ({ threadId }) => expectType<number | undefined>(threadId));
  watched.once('drain', () => {});
  // @ts-expect-error: no such event
  watched.on('workerStarted', () => {});
  const progressed = watched.map(square, [1], {
    onProgress: (p) => {
      expectType<Progress>(p);
      expectType<number | undefined>(p.total);
    },
    progress: { label: 'x', stream: process.stderr },
  });
  assertType<Equal<typeof progressed, Promise<number[]>>>();
  watched.imap(square, [1], { progress: true });
  // @ts-expect-error: progress is a boolean or options
  watched.map(square, [1], { progress: 'yes' });
  expectType<AbortSignal | undefined>(taskSignal());
  new Pool({ processes: 1, maxMemoryPerWorker: 512, context: 'thread' });
  new Process({ target: square, args: [2], maxMemoryPerWorker: 64 });
  const [c1, c2] = Pipe<string>();
  expectType<Connection<string>>(c1);
  const p = new Process({ target: talk, args: [c2] });
  // @ts-expect-error: the target's arguments are checked
  new Process({ target: talk, args: [42] });
  expectType<number | null>(p.exitCode);
  const ctx = getContext('thread');
  const tp = new ctx.Pool(1);
  assertType<Equal<ReturnType<typeof tp.map<typeof square>>, Promise<number[]>>>();
  const q = new Queue<number>();
  const got = q.get();
  assertType<Equal<typeof got, Promise<number>>>();
  // @ts-expect-error: a Queue<number> takes numbers
  q.put('x');
  new Process({ target: fill, args: [q, 3] });
  // @ts-expect-error: the queue's item type is checked against the target's
  new Process({ target: fill, args: [new Queue<string>(), 3] });
  for await (const x of q.iter({ sentinel: -1 })) expectType<number>(x);
  const lock = new Lock();
  {
    await using held = await lock.enter();
    void held;
  }
  const ok = lock.acquire({ timeout: 10 });
  assertType<Equal<typeof ok, Promise<boolean>>>();
  await using manager = await Manager();
  const d = await manager.dict<string, number>();
  expectType<DictProxy<string, number>>(d);
  const v = d.get('a');
  assertType<Equal<typeof v, Promise<number | undefined>>>();
  class MathsManager extends BaseManager {}
  MathsManager.register('Maths', Maths);
  const mm = new MathsManager({ address: { host: '127.0.0.1', port: 0 }, authKey: 'k' });
  const maths = await mm.create<Maths>('Maths');
  expectType<RemoteProxy<Maths>>(maths);
  const sum = maths.add(1, 2);
  assertType<Equal<typeof sum, Promise<number>>>();
  const half = maths.half(3);
  assertType<Equal<typeof half, Promise<number>>>();
  // @ts-expect-error: remote methods keep their parameter types
  maths.add('1', 2);
  // Parity API (issue 11): proxies' new methods, locked(), shutdown(), SharedMemoryManager.
  const nums = await manager.list([3, 1, 2]);
  expectType<ListProxy<number>>(nums);
  const part = nums.slice(1, -1);
  assertType<Equal<typeof part, Promise<number[]>>>();
  for await (const x of nums) expectType<number>(x);
  // @ts-expect-error: the list's item type is checked
  void nums.count('3');
  const pair = d.popitem();
  assertType<Equal<typeof pair, Promise<[string, number]>>>();
  for await (const [k, n] of d) {
    expectType<string>(k);
    expectType<number>(n);
  }
  const tags = await manager.set(['a', 'b']);
  expectType<SetProxy<string>>(tags);
  const held = new Lock().locked();
  assertType<Equal<typeof held, Promise<boolean>>>();
  const sq = new Queue<number>();
  const down = sq.shutdown(true);
  assertType<Equal<typeof down, Promise<void>>>();
  await using smm = await SharedMemoryManager.started();
  const sl = smm.ShareableList([1, 'a']);
  expectType<ShareableList<number | string>>(sl);
  const fmt: string = sl.format;
  void fmt;
  const same: Context = getContext('thread').getContext();
  void same;
  const l = new Listener({ address: { port: 0 } });
  const conn: Connection<string> = await Client<string>({ port: 1 });
  void l;
  void conn;
  // A shared array's view is the typed array of its typecode; a 'c' array starts from a string.
  const ints = SharedArray('i', [1, 2, 3]);
  expectType<Int32Array>(ints.view);
  const longs = RawArray('q', 4);
  expectType<BigInt64Array>(longs.view);
  const chars = SharedArray('c', 'abc');
  expectType<Buffer>(chars.value);
  expectType<Uint8Array>(chars.view);
  // @ts-expect-error: only a 'c' array starts from a string
  void SharedArray('i', 'abc');
  await pool.terminate();
  await tp.terminate();
}
