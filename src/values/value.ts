// Value and RawValue (CPython's sharedctypes): one number in shared memory, read and written
// synchronously through `.value` in every process and thread that holds it. Value adds a
// lock (the library's RLock, its words at the start of the same memory; as CPython's default)
// for read-modify-write:
// `await using _ = await counter.getLock().enter(); counter.value += 1`.
import { registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { errors } from '../errors.js';
import { nativeAddon, warnOnceWithoutAddon } from '../native/addon.js';
import { checkCrossing } from '../shm/crossing.js';
import { attachSegment, createSegment, type Segment } from '../shm/segment.js';
import { LOCK_BYTES } from '../shm/lock-words.js';
import { lockInValueMemory, type RLock } from '../sync/lock.js';
import { checkTypecode, fromStored, itemSize, makeView, toStored, zeroOf, type Typecode, type ValueOf } from '../shm/typecodes.js';

/** What guards a Value or SharedArray: its own lock (true), none (false), or one you pass. */
export type LockOption = boolean | { acquire(...a: never[]): Promise<boolean>; release(): Promise<void> };

/** @internal Memory for a shared value or array: a lock area, then the data (8-byte aligned). */
export function allocate(tc: Typecode, length: number): { seg: Segment; posix: boolean } {
  const posix = nativeAddon() !== null;
  if (!posix) warnOnceWithoutAddon();
  return { seg: createSegment(LOCK_BYTES + Math.max(1, length) * itemSize(tc), undefined, !posix), posix };
}

export function checkLockOption(lock: unknown): LockOption {
  if (lock === undefined) return true;
  if (typeof lock === 'boolean') return lock;
  if (lock && typeof (lock as { acquire?: unknown }).acquire === 'function' && typeof (lock as { release?: unknown }).release === 'function') return lock as LockOption;
  throw errors.invalidArgType("lock must be true, false, or a lock (Lock, RLock, or another value's getLock())");
}

type ValueState = [name: string, tc: Typecode, posix: boolean, lock: unknown];

/** One shared number (or byte for 'c'), without a lock (what RawValue() returns). */
export class SharedValue<C extends Typecode = Typecode> {
  readonly #seg: Segment;
  readonly #tc: C;
  readonly #view: ReturnType<typeof makeView>;
  /** @internal */ readonly posix: boolean;

  /** @internal Use the RawValue() / Value() factories. */
  constructor(seg: Segment, tc: C, posix: boolean) {
    this.#seg = seg;
    this.#tc = tc;
    this.posix = posix;
    this.#view = makeView(tc, seg.sab, LOCK_BYTES, 1);
  }

  get typecode(): C {
    return this.#tc;
  }
  /** @internal */ get segment(): Segment {
    return this.#seg;
  }

  get value(): ValueOf<C> {
    return fromStored(this.#tc, this.#view[0]!) as ValueOf<C>;
  }
  set value(v: ValueOf<C> | number) {
    (this.#view as unknown as (number | bigint)[])[0] = toStored(this.#tc, v);
  }

  toString(): string {
    return `RawValue('${this.#tc}', ${String(this.value)})`;
  }

  [kReduce]() {
    if (!this.posix) checkCrossing('a Value');
    const state: ValueState = [this.#seg.name, this.#tc, this.posix, null];
    return { type: 'multiproc.Value', state };
  }
}

/** A RawValue with a lock: `getLock()`, `getObj()`, and `.value` as well. */
export class SynchronizedValue<C extends Typecode = Typecode> {
  readonly #raw: SharedValue<C>;
  readonly #lock: LockOption & object;

  /** @internal */
  constructor(raw: SharedValue<C>, lock: LockOption & object) {
    this.#raw = raw;
    this.#lock = lock;
  }

  get typecode(): C {
    return this.#raw.typecode;
  }
  get value(): ValueOf<C> {
    return this.#raw.value;
  }
  set value(v: ValueOf<C> | number) {
    this.#raw.value = v;
  }
  getLock(): RLock {
    return this.#lock as RLock;
  }
  getObj(): SharedValue<C> {
    return this.#raw;
  }
  /** Shortcuts for getLock().acquire() / release() (CPython's Synchronized has them too). */
  acquire(...args: Parameters<RLock['acquire']>): Promise<boolean> {
    return (this.#lock as RLock).acquire(...args);
  }
  release(): Promise<void> {
    return this.#lock.release();
  }
  toString(): string {
    return `<Synchronized wrapper for ${this.#raw.toString()}>`;
  }

  [kReduce]() {
    const raw = this.#raw;
    if (!raw.posix) checkCrossing('a Value');
    const state: ValueState = [raw.segment.name, raw.typecode, raw.posix, this.#lock];
    return { type: 'multiproc.Value', state };
  }
}

/** A shared number without a lock: `RawValue('d', 1.5)`. Zero when `init` is omitted. */
export function RawValue<C extends Typecode>(typecode: C, init?: ValueOf<C> | number): SharedValue<C> {
  const tc = checkTypecode(typecode) as C;
  const stored = toStored(tc, init ?? zeroOf(tc), 'init');
  const { seg, posix } = allocate(tc, 1);
  const v = new SharedValue(seg, tc, posix);
  (makeView(tc, seg.sab, LOCK_BYTES, 1) as unknown as (number | bigint)[])[0] = stored;
  return v;
}

/**
 * A shared number with a lock (an RLock in the same memory, unless `lock` is false or a lock
 * you pass): `const counter = Value('i', 0)`. With `lock: false` it is a RawValue.
 */
export function Value<C extends Typecode>(typecode: C, init?: ValueOf<C> | number, options?: { lock?: true | Exclude<LockOption, boolean> }): SynchronizedValue<C>;
export function Value<C extends Typecode>(typecode: C, init: ValueOf<C> | number | undefined, options: { lock: false }): SharedValue<C>;
export function Value<C extends Typecode>(typecode: C, init?: ValueOf<C> | number, options: { lock?: LockOption } = {}): SynchronizedValue<C> | SharedValue<C> {
  const lock = checkLockOption(options.lock);
  const raw = RawValue(typecode, init);
  if (lock === false) return raw;
  return new SynchronizedValue(raw, lock === true ? lockInValueMemory(raw.segment, 0, raw.posix, true) : lock);
}

registerSharedType('multiproc.Value', (state) => {
  const [name, tc, posix, lock] = state as ValueState;
  const raw = new SharedValue(attachSegment(String(name)), checkTypecode(tc), Boolean(posix));
  return lock ? new SynchronizedValue(raw, lock as LockOption & object) : raw;
});
