// CPython's ShareableList: a fixed-length list of scalars in one SharedMemory segment, readable
// and writable from every process that attaches by name. Like CPython's, each slot's storage is
// fixed at creation (8 bytes for scalars; a string's or buffer's byte length rounded up to 8);
// a slot may take a value of another type later if it fits. Not byte-compatible with CPython.
//
// Layout (little-endian):
//   0  u32 magic 'MPSL'      4  u32 n (number of slots)
//   8  n records of 16 bytes: u32 offset, u32 capacity, u32 length (bytes, strings and
//      buffers), u8 kind, 3 unused
//   then the slots' storage, each at its offset (8-aligned)
// Writes are not atomic across processes (nor are CPython's): coordinate with a Lock.
import { registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { errors } from '../errors.js';
import { SharedMemory } from './shared-memory.js';
import { checkCrossing } from './crossing.js';

export type ShareableValue = number | bigint | boolean | string | Uint8Array | null | undefined;

const MAGIC = 0x4c53504d; // 'MPSL' read as a little-endian u32
const HEADER = 8,
  RECORD = 16,
  SCALAR = 8;
const enum Kind {
  Null,
  Undefined,
  Boolean,
  Number,
  BigInt,
  String,
  Bytes,
}
const encoder = new TextEncoder();

/** Kind and, for strings and buffers, their bytes. */
function encode(v: unknown, where: string): [Kind, Uint8Array | null] {
  switch (typeof v) {
    case 'number':
      return [Kind.Number, null];
    case 'boolean':
      return [Kind.Boolean, null];
    case 'undefined':
      return [Kind.Undefined, null];
    case 'string':
      return [Kind.String, encoder.encode(v)];
    case 'bigint':
      if (BigInt.asIntN(64, v) !== v) throw errors.outOfRange(`${where}: ${v}n does not fit in 64 bits`);
      return [Kind.BigInt, null];
    default:
      if (v === null) return [Kind.Null, null];
      if (v instanceof Uint8Array) return [Kind.Bytes, v];
      throw errors.invalidArgType(
        `${where}: a ShareableList holds numbers, bigints, booleans, strings, Buffers/Uint8Arrays, null and undefined, not ${v === null ? 'null' : typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v}`,
      );
  }
}

const capacityFor = (bytes: Uint8Array | null): number => (bytes ? Math.max(SCALAR, Math.ceil(bytes.length / 8) * 8) : SCALAR);

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return a === b;
}

export interface ShareableListOptions {
  /** Create under this name (with a sequence), or attach to it (without one). */
  name?: string;
}

export class ShareableList<T extends ShareableValue = ShareableValue> implements Iterable<T> {
  /** The SharedMemory holding the list: `sl.shm.close()`, `sl.shm.unlink()`, `sl.shm.name`. */
  readonly shm: SharedMemory;
  readonly #view: DataView;
  readonly #length: number;

  /**
   * `new ShareableList([1, 'a', null])` creates (under `name` if given);
   * `new ShareableList(undefined, { name })` attaches to an existing list.
   */
  constructor(sequence?: Iterable<T> | null, options: ShareableListOptions = {}) {
    const name = options?.name;
    if (sequence == null && name !== undefined) {
      this.shm = new SharedMemory({ name });
      this.#view = new DataView(this.shm.sharedBuffer, 0, this.shm.size);
      this.#length = this.#check();
      return;
    }
    const values = [...(sequence ?? [])];
    const encoded = values.map((v, i) => encode(v, `ShareableList item ${i}`));
    const tableEnd = HEADER + RECORD * values.length;
    let offset = Math.ceil(tableEnd / 8) * 8;
    const offsets = encoded.map(([, bytes]) => {
      const at = offset;
      offset += capacityFor(bytes);
      return at;
    });
    this.shm = new SharedMemory({ create: true, size: Math.max(offset, SCALAR), name });
    this.#view = new DataView(this.shm.sharedBuffer, 0, this.shm.size);
    this.#length = values.length;
    this.#view.setUint32(4, values.length, true);
    encoded.forEach(([, bytes], i) => {
      this.#view.setUint32(HEADER + RECORD * i, offsets[i]!, true);
      this.#view.setUint32(HEADER + RECORD * i + 4, capacityFor(bytes), true);
      this.#write(i, values[i], encoded[i]!);
    });
    this.#view.setUint32(0, MAGIC, true);
  }

  /** Validates an attached segment; returns its number of slots. */
  #check(): number {
    const v = this.#view;
    const bad = () => errors.invalidArgValue(`shared memory '${this.shm.name}' does not hold a ShareableList`);
    if (v.byteLength < HEADER || v.getUint32(0, true) !== MAGIC) throw bad();
    const n = v.getUint32(4, true);
    if (HEADER + RECORD * n > v.byteLength) throw bad();
    for (let i = 0; i < n; i++) {
      const r = HEADER + RECORD * i;
      if (v.getUint32(r, true) + v.getUint32(r + 4, true) > v.byteLength) throw bad();
    }
    return n;
  }

  get length(): number {
    return this.#length;
  }

  /**
   * The slots' current types in CPython's struct notation, one entry per slot: 'd' (number),
   * 'q' (bigint), 'xxxxxxx?' (boolean), '<capacity>s' (string or buffer: its fixed room in
   * bytes), 'xxxxxx?x' (null or undefined), as CPython's `ShareableList.format`. It describes
   * the values, not this list's byte layout (which differs from CPython's).
   */
  get format(): string {
    void this.shm.buf; // ERR_SHM_CLOSED once closed
    const v = this.#view;
    let out = '';
    for (let j = 0; j < this.#length; j++) {
      const r = HEADER + RECORD * j;
      switch (v.getUint8(r + 12) as Kind) {
        case Kind.Number:
          out += 'd';
          break;
        case Kind.BigInt:
          out += 'q';
          break;
        case Kind.Boolean:
          out += 'xxxxxxx?';
          break;
        case Kind.String:
        case Kind.Bytes:
          out += `${v.getUint32(r + 4, true)}s`;
          break;
        default:
          out += 'xxxxxx?x';
      }
    }
    return out;
  }

  /** The slot of index `i` (negative counts from the end), checked. */
  #slot(i: number, what: string): number {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw errors.invalidArgType(`ShareableList ${what}: the index must be an integer, got ${String(i)}`);
    const j = i < 0 ? i + this.#length : i;
    if (j < 0 || j >= this.#length) throw errors.outOfRange(`ShareableList index ${i} out of range (length ${this.#length})`);
    void this.shm.buf; // ERR_SHM_CLOSED once closed
    return j;
  }

  get(i: number): T {
    const j = this.#slot(i, 'get');
    const v = this.#view,
      r = HEADER + RECORD * j;
    const at = v.getUint32(r, true),
      len = v.getUint32(r + 8, true);
    switch (v.getUint8(r + 12) as Kind) {
      case Kind.Null:
        return null as T;
      case Kind.Undefined:
        return undefined as T;
      case Kind.Boolean:
        return (v.getUint8(at) !== 0) as T;
      case Kind.Number:
        return v.getFloat64(at, true) as T;
      case Kind.BigInt:
        return v.getBigInt64(at, true) as T;
      case Kind.String:
        return Buffer.from(v.buffer, v.byteOffset + at, len).toString('utf8') as T;
      case Kind.Bytes:
        return Buffer.from(Buffer.from(v.buffer, v.byteOffset + at, len)) as unknown as T;
      default:
        throw errors.invalidState(`ShareableList '${this.shm.name}' slot ${j} is corrupt`, { as: 'TypeError' });
    }
  }

  set(i: number, value: T): void {
    const j = this.#slot(i, 'set');
    this.#write(j, value, encode(value, `ShareableList.set(${i})`));
  }

  #write(j: number, value: unknown, [kind, bytes]: [Kind, Uint8Array | null]): void {
    const v = this.#view,
      r = HEADER + RECORD * j;
    const at = v.getUint32(r, true),
      capacity = v.getUint32(r + 4, true);
    if (bytes && bytes.length > capacity) {
      throw errors.outOfRange(
        `${kind === Kind.String ? 'string' : 'bytes'} item of ${bytes.length} bytes exceeds available storage of slot ${j} (${capacity} bytes, fixed when the list was created)`,
      );
    }
    if (kind === Kind.Number) v.setFloat64(at, value as number, true);
    else if (kind === Kind.BigInt) v.setBigInt64(at, value as bigint, true);
    else if (kind === Kind.Boolean) v.setUint8(at, value ? 1 : 0);
    else if (bytes) new Uint8Array(v.buffer, v.byteOffset + at, bytes.length).set(bytes);
    v.setUint32(r + 8, bytes ? bytes.length : 0, true);
    v.setUint8(r + 12, kind);
  }

  /** How many items equal `value` (===; buffers by content). */
  count(value: T): number {
    let n = 0;
    for (const x of this) if (sameValue(x, value)) n++;
    return n;
  }

  /** The first index holding `value`; RangeError ERR_VALUE_NOT_FOUND if none (Python's ValueError). */
  index(value: T): number {
    for (let i = 0; i < this.#length; i++) if (sameValue(this.get(i), value)) return i;
    throw errors.valueNotFound(`${typeof value === 'string' ? JSON.stringify(value) : String(value)} is not in this ShareableList`);
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  toArray(): T[] {
    return [...this];
  }

  toString(): string {
    return `ShareableList(${this.toArray()
      .map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x)))
      .join(', ')}, name=${JSON.stringify(this.shm.name)})`;
  }

  // Travels as its segment's name; the receiver attaches.
  [kReduce]() {
    checkCrossing('a ShareableList');
    return { type: 'multiproc.ShareableList', state: this.shm.name };
  }
}

registerSharedType('multiproc.ShareableList', (state) => {
  if (typeof state !== 'string') throw errors.invalidMessage('malformed ShareableList in message');
  return new ShareableList(undefined, { name: state });
});
