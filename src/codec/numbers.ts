// Arrays of numbers as raw Int32/Float64 bytes, written and read without the packer: the
// bytes of a map chunk's items and of its results. They are exactly the bytes encode() makes
// of a plain array of such numbers (msgpack ext32 of type EXT_NUMBERS: a width byte, then the
// values little-endian), so decode() reads them too; what differs is the path. Writing comes
// straight from a range of the caller's array (no slice, no intermediate typed array, no
// copy into the packer), and reading hands back a typed array, not a JS array: a JS array of
// more than ~16k elements is a large object to V8, whose allocation and scavenging cost far
// more than the values themselves (measured: 25k elements ~40x the cost of 16k).

/** msgpack extension type of a number array (codec.ts registers the same type). */
export const EXT_NUMBERS = 0x16;
/** Fewer numbers than this travel as a plain msgpack array (as the reducer decides). */
export const MIN_NUMBER_ARRAY = 16;

/** Byte width of the values when all of `xs[from, to)` are numbers (4: int32, 8: any), else 0. -0 gives 0 (the codec keeps it apart). */
export function numberWidth(xs: ArrayLike<unknown>, from = 0, to = xs.length): 0 | 4 | 8 {
  let width: 4 | 8 = 4;
  for (let i = from; i < to; i++) {
    const x = xs[i];
    if (typeof x !== 'number') return 0;
    if (width === 4 && (x | 0) !== x) width = 8;
    else if (x === 0 && 1 / x < 0) return 0;
  }
  return width;
}

/** Header: 0xc9, u32 BE length, type; then the width byte. Data starts at byte 7. */
const HEAD = 7;

/**
 * The encoded bytes of `xs[from, to)` (all numbers of `width`: see numberWidth), as encode()
 * would make of that slice when it holds MIN_NUMBER_ARRAY or more.
 */
export function packNumbers(xs: ArrayLike<number>, from: number, to: number, width: 4 | 8): Uint8Array {
  // A collector's results already sit after a free header word: framed where they are.
  const own = ownWords(xs, from, to, width);
  const buf = own ?? (width === 4 ? intWords(xs, from, to) : floatWords(xs, from, to));
  const out = own ? Buffer.from(buf, 1, HEAD + (to - from) * width) : Buffer.from(buf, 1);
  out[0] = 0xc9;
  out.writeUInt32BE(1 + (to - from) * width, 1);
  out[5] = EXT_NUMBERS;
  out[6] = width;
  return out;
}

// One word in front of the values, whose last 7 bytes take the header: the values sit aligned
// in their own buffer. Each width has its own small function with the typed array made by its
// constructor: a 25k-item copy loop then runs optimized from the first maps (measured: one
// function for both widths, or a view on a bare ArrayBuffer, ran ~8x slower, 2.4 ms a map).
/**
 * Buffers of NumberCollector: each has one free word in front of its values (header room). A
 * fresh buffer costs far more than its copy on this kind of VM (every new page faults, ~10 µs
 * each: 25 for a 25k-int chunk), so a chunk's results are framed in place, not copied.
 */
const framed = new WeakSet<ArrayBufferLike>();

function ownWords(xs: ArrayLike<number>, from: number, to: number, width: 4 | 8): ArrayBuffer | null {
  if (from !== 0 || to !== xs.length || !ArrayBuffer.isView(xs) || xs.byteOffset !== 8 || !framed.has(xs.buffer)) return null;
  if ((width === 4 ? !(xs instanceof Int32Array) : !(xs instanceof Float64Array)) || !(xs.buffer instanceof ArrayBuffer)) return null;
  return xs.buffer;
}

function intWords(xs: ArrayLike<number>, from: number, to: number): ArrayBuffer {
  const n = to - from;
  const v = new Int32Array(2 + n);
  if (xs instanceof Int32Array) v.set(xs.subarray(from, to), 2);
  else for (let i = 0; i < n; i++) v[2 + i] = xs[from + i]!;
  return v.buffer;
}

function floatWords(xs: ArrayLike<number>, from: number, to: number): ArrayBuffer {
  const n = to - from;
  const v = new Float64Array(1 + n);
  if (xs instanceof Float64Array || xs instanceof Int32Array) v.set(xs.subarray(from, to), 1);
  else for (let i = 0; i < n; i++) v[1 + i] = xs[from + i]!;
  return v.buffer;
}

/**
 * The values of `bytes` when they are one encoded number array (a view when they are aligned,
 * else an aligned copy; they are read, never written), else null
 * (decode them then). Malformed lengths give null too, and decode() reports them.
 */
export function readNumbers(bytes: Uint8Array): Int32Array | Float64Array | null {
  if (bytes.length < HEAD || bytes[0] !== 0xc9 || bytes[5] !== EXT_NUMBERS) return null;
  const len = ((bytes[1]! << 24) >>> 0) + (bytes[2]! << 16) + (bytes[3]! << 8) + bytes[4]!;
  const width = bytes[6];
  if (len !== bytes.length - 6 || (width !== 4 && width !== 8) || (len - 1) % width !== 0) return null;
  const n = (len - 1) / width;
  // Aligned values are read where they are: a fresh buffer costs more than the copy (page faults).
  const at = bytes.byteOffset + HEAD;
  if (at % width === 0 && bytes.buffer instanceof ArrayBuffer) return width === 4 ? new Int32Array(bytes.buffer, at, n) : new Float64Array(bytes.buffer, at, n);
  const out = width === 4 ? new Int32Array(n) : new Float64Array(n);
  new Uint8Array(out.buffer).set(bytes.subarray(HEAD));
  return out;
}

/**
 * Collects a chunk's results in order: in an Int32Array while they are int32, a Float64Array
 * while they are numbers, and a plain array from the first other value on. The typed arrays
 * keep a free word in front (packNumbers frames them in place).
 */
export class NumberCollector {
  #ints: Int32Array | null = null;
  #floats: Float64Array | null = null;
  #list: unknown[] | null = null;
  #n = 0;
  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
    if (size >= MIN_NUMBER_ARRAY) {
      this.#ints = new Int32Array(2 + size);
      framed.add(this.#ints.buffer);
    } else this.#list = [];
  }

  /**
   * While every result so far is an int32: the buffer they go to (result i at index 2 + i) and
   * how many there are. A caller's loop may write ints there, then count them with added().
   */
  get intSlots(): Int32Array | null {
    return this.#list === null ? this.#ints : null;
  }

  get length(): number {
    return this.#n;
  }

  /** `k` results were written to intSlots. */
  added(k: number): void {
    this.#n += k;
  }

  /** Appends the next result. */
  push(r: unknown): void {
    const i = this.#n++;
    if (this.#list === null) {
      if (typeof r === 'number') {
        const ints = this.#ints;
        if (ints !== null) {
          if ((r | 0) === r && !(r === 0 && 1 / r < 0)) {
            ints[2 + i] = r;
            return;
          }
          this.#floats = new Float64Array(1 + this.#size);
          framed.add(this.#floats.buffer);
          this.#floats.set(ints.subarray(2, 2 + i), 1);
          this.#ints = null;
        }
        this.#floats![1 + i] = r;
        return;
      }
      this.#list = Array.from(this.#typed().subarray(0, i));
      this.#ints = this.#floats = null;
    }
    this.#list.push(r);
  }

  #typed(): Int32Array | Float64Array {
    return this.#ints ? this.#ints.subarray(2, 2 + this.#size) : this.#floats!.subarray(1, 1 + this.#size);
  }

  /** The typed array of the results when they are all numbers (its length the size given), else null. */
  get numbers(): Int32Array | Float64Array | null {
    return this.#list === null ? this.#typed() : null;
  }

  /** The results as a plain array (those that were numbers so far are copied out). */
  toArray(): unknown[] {
    if (this.#list === null) {
      this.#list = Array.from(this.#typed().subarray(0, this.#n));
      this.#ints = this.#floats = null;
    }
    return this.#list;
  }
}
