// SharedArray (CPython's multiprocessing.Array) and RawArray: a fixed-length array in shared
// memory. Index it like an array (`a[0] = 5`, checked: out of range and out-of-type values
// throw), or use `view`, the typed array over the same memory, for bulk work at memory speed.
import { registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { errors } from '../errors.js';
import { attachSegment, type Segment } from '../shm/segment.js';
import { LOCK_BYTES } from '../shm/lock-words.js';
import { lockInValueMemory, type RLock } from '../sync/lock.js';
import { checkTypecode, fromStored, makeView, toStored, type Typecode, type ValueOf, type ViewOf } from '../shm/typecodes.js';
import { allocate, checkLockOption, type LockOption } from './value.js';
import { checkCrossing } from '../shm/crossing.js';

type ArrayState = [name: string, tc: Typecode, length: number, posix: boolean, lock: unknown];
type View = ReturnType<typeof makeView>;

export interface SharedArrayLike<C extends Typecode> extends Iterable<ValueOf<C>> {
  [index: number]: ValueOf<C>;
  readonly length: number;
  readonly typecode: C;
  /** The typed array over the shared bytes (no checks, no copies): Int32Array for 'i', and so on. */
  readonly view: ViewOf<C>;
  /** A copy of items [start, end) as a plain array (negative indexes count from the end). */
  slice(start?: number, end?: number): ValueOf<C>[];
  toArray(): ValueOf<C>[];
}

/** 'c' arrays also read and write as bytes. */
export interface ByteArrayLike extends SharedArrayLike<'c'> {
  /** The bytes up to the first zero byte (CPython's `.value`). Setting copies bytes in. */
  value: Buffer;
  /** All the bytes. */
  raw: Buffer;
}

/**
 * What an array starts from: a length (zero-filled) or the items; a 'c' array also takes a
 * string (each character one byte, latin1) or bytes, as CPython's `Array('c', b'abc')`.
 */
export type ArrayInit<C extends Typecode> = number | Iterable<ValueOf<C> | number> | (C extends 'c' ? string | Uint8Array : never);

export type RawArrayOf<C extends Typecode> = C extends 'c' ? ByteArrayLike : SharedArrayLike<C>;
export type SynchronizedArrayOf<C extends Typecode> = RawArrayOf<C> & { getLock(): RLock; getObj(): RawArrayOf<C> };

class ArrayCore {
  readonly view: View;
  constructor(
    readonly seg: Segment,
    readonly typecode: Typecode,
    readonly length: number,
    readonly posix: boolean,
    readonly lock: (LockOption & object) | null,
  ) {
    this.view = makeView(typecode, seg.sab, LOCK_BYTES, length);
  }
  index(i: number): number {
    const j = i < 0 ? i + this.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.length) throw errors.outOfRange(`index ${i} out of range (length ${this.length})`);
    return j;
  }
  get(i: number): unknown {
    return fromStored(this.typecode, this.view[this.index(i)]!);
  }
  set(i: number, v: unknown): void {
    (this.view as unknown as (number | bigint)[])[this.index(i)] = toStored(this.typecode, v, `[${i}]`);
  }
  slice(start = 0, end = this.length): unknown[] {
    const n = this.length;
    const a = Math.max(0, Math.min(n, start < 0 ? start + n : start)),
      b = Math.max(0, Math.min(n, end < 0 ? end + n : end));
    const out: unknown[] = [];
    for (let i = a; i < b; i++) out.push(fromStored(this.typecode, this.view[i]!));
    return out;
  }
  bytes(all: boolean): Buffer {
    const b = Buffer.from(this.view.buffer, this.view.byteOffset, this.length);
    const end = all ? this.length : b.indexOf(0) < 0 ? this.length : b.indexOf(0);
    return Buffer.from(b.subarray(0, end));
  }
  setBytes(v: unknown): void {
    if (!(v instanceof Uint8Array)) throw errors.invalidArgType("a 'c' array's value is set from bytes (a Buffer)");
    if (v.length > this.length) throw errors.outOfRange(`${v.length} bytes do not fit ${this.length}`);
    const target = new Uint8Array(this.view.buffer, this.view.byteOffset, this.length);
    target.set(v);
    if (v.length < this.length) target[v.length] = 0;
  }
}

/** What a SharedArray or RawArray is; a Proxy over it adds `a[i]` (see wrap). */
class ArrayHandle {
  /** @internal */ readonly core: ArrayCore;
  constructor(core: ArrayCore) {
    this.core = core;
  }
  get length(): number {
    return this.core.length;
  }
  get typecode(): Typecode {
    return this.core.typecode;
  }
  get view(): View {
    return this.core.view;
  }
  slice(a?: number, b?: number): unknown[] {
    return this.core.slice(a, b);
  }
  toArray(): unknown[] {
    return this.core.slice();
  }
  *[Symbol.iterator](): Generator<unknown> {
    for (let i = 0; i < this.core.length; i++) yield this.core.get(i);
  }
  get value(): Buffer {
    return this.core.bytes(false);
  }
  set value(v: unknown) {
    this.core.setBytes(v);
  }
  get raw(): Buffer {
    return this.core.bytes(true);
  }
  set raw(v: unknown) {
    this.core.setBytes(v);
  }
  toString(): string {
    return `RawArray('${this.core.typecode}', [${this.core.slice().map(String).join(', ')}])`;
  }
  [kReduce]() {
    const c = this.core;
    if (!c.posix) checkCrossing('a SharedArray');
    const state: ArrayState = [c.seg.name, c.typecode, c.length, c.posix, this instanceof SynchronizedHandle ? c.lock : null];
    return { type: 'multiproc.SharedArray', state };
  }
}

class SynchronizedHandle extends ArrayHandle {
  #raw: object | null = null;
  getLock(): unknown {
    return this.core.lock;
  }
  getObj(): object {
    return (this.#raw ??= wrap(this.core, false));
  }
  acquire(...a: never[]): Promise<boolean> {
    return (this.core.lock as RLock).acquire(...a);
  }
  release(): Promise<void> {
    return this.core.lock!.release();
  }
  override toString(): string {
    return `SynchronizedArray('${this.core.typecode}', [${this.core.slice().map(String).join(', ')}])`;
  }
}

const INDEX = /^(0|[1-9]\d*)$/;

/** The handle behind a Proxy that turns `a[i]` into checked reads and writes of the shared memory. */
function wrap(core: ArrayCore, synchronized: boolean): object {
  const target = synchronized ? new SynchronizedHandle(core) : new ArrayHandle(core);
  return new Proxy(target, {
    get(t, key) {
      if (typeof key === 'string' && INDEX.test(key)) return core.get(Number(key));
      const v = Reflect.get(t, key, t);
      // Methods run on the handle itself (its private fields are not on the Proxy).
      return typeof v === 'function' ? v.bind(t) : v;
    },
    set(t, key, value) {
      if (typeof key === 'string' && /^-?\d/.test(key)) {
        core.set(Number(key), value);
        return true;
      }
      return Reflect.set(t, key, value, t);
    },
    has(t, key) {
      return typeof key === 'string' && INDEX.test(key) ? Number(key) < core.length : Reflect.has(t, key);
    },
  });
}

function items(tc: Typecode, sizeOrInit: unknown): { length: number; init: unknown[] | null } {
  if (typeof sizeOrInit === 'number') {
    if (!Number.isInteger(sizeOrInit) || sizeOrInit < 0) throw errors.outOfRange(`array size must be an integer >= 0, got ${sizeOrInit}`);
    return { length: sizeOrInit, init: null };
  }
  if (tc === 'c' && (typeof sizeOrInit === 'string' || sizeOrInit instanceof Uint8Array)) {
    const b = typeof sizeOrInit === 'string' ? Buffer.from(sizeOrInit, 'latin1') : sizeOrInit;
    return { length: b.length, init: [...b].map((x) => Buffer.of(x)) };
  }
  if (sizeOrInit && typeof (sizeOrInit as Iterable<unknown>)[Symbol.iterator] === 'function') {
    const init = [...(sizeOrInit as Iterable<unknown>)];
    return { length: init.length, init };
  }
  throw errors.invalidArgType('pass a size or an iterable of initial values');
}

function build<C extends Typecode>(typecode: C, sizeOrInit: ArrayInit<C>, lock: LockOption): object {
  const tc = checkTypecode(typecode);
  const { length, init } = items(tc, sizeOrInit);
  const stored = init?.map((v, i) => toStored(tc, v, `init[${i}]`));
  const { seg, posix } = allocate(tc, length);
  const ownLock = lock === true ? lockInValueMemory(seg, 0, posix, true) : lock === false ? null : lock;
  const core = new ArrayCore(seg, tc, length, posix, ownLock);
  stored?.forEach((v, i) => {
    (core.view as unknown as (number | bigint)[])[i] = v;
  });
  return wrap(core, ownLock !== null);
}

/** A shared array without a lock: `RawArray('d', 10)` (zero-filled) or `RawArray('i', [1, 2, 3])`. */
export function RawArray<C extends Typecode>(typecode: C, sizeOrInit: ArrayInit<C>): RawArrayOf<C> {
  return build(typecode, sizeOrInit, false) as RawArrayOf<C>;
}

/** CPython's multiprocessing.Array: a shared array with a lock (`lock: false` gives a RawArray). */
export function SharedArray<C extends Typecode>(typecode: C, sizeOrInit: ArrayInit<C>, options?: { lock?: true | Exclude<LockOption, boolean> }): SynchronizedArrayOf<C>;
export function SharedArray<C extends Typecode>(typecode: C, sizeOrInit: ArrayInit<C>, options: { lock: false }): RawArrayOf<C>;
export function SharedArray<C extends Typecode>(typecode: C, sizeOrInit: ArrayInit<C>, options: { lock?: LockOption } = {}): SynchronizedArrayOf<C> | RawArrayOf<C> {
  return build(typecode, sizeOrInit, checkLockOption(options.lock)) as SynchronizedArrayOf<C>;
}

registerSharedType('multiproc.SharedArray', (state) => {
  const [name, tc, length, posix, lock] = state as ArrayState;
  const core = new ArrayCore(attachSegment(String(name)), checkTypecode(tc), Number(length), Boolean(posix), (lock as LockOption & object) ?? null);
  return wrap(core, lock !== null && lock !== undefined);
});
