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
  const n = to - from;
  // One byte in front so the values sit aligned in their own buffer and fill through a typed view.
  const buf = new ArrayBuffer(1 + HEAD + n * width);
  const out = new Uint8Array(buf, 1);
  out[0] = 0xc9;
  new DataView(buf).setUint32(2, 1 + n * width);
  out[5] = EXT_NUMBERS;
  out[6] = width;
  if (width === 4) {
    const v = new Int32Array(buf, 1 + HEAD, n);
    if (xs instanceof Int32Array) v.set(xs.subarray(from, to));
    else for (let i = 0; i < n; i++) v[i] = xs[from + i]!;
  } else {
    const v = new Float64Array(buf, 1 + HEAD, n);
    if (xs instanceof Float64Array || xs instanceof Int32Array) v.set(xs.subarray(from, to));
    else for (let i = 0; i < n; i++) v[i] = xs[from + i]!;
  }
  return Buffer.from(buf, 1);
}

/**
 * The values of `bytes` when they are one encoded number array (an aligned copy), else null
 * (decode them then). Malformed lengths give null too, and decode() reports them.
 */
export function readNumbers(bytes: Uint8Array): Int32Array | Float64Array | null {
  if (bytes.length < HEAD || bytes[0] !== 0xc9 || bytes[5] !== EXT_NUMBERS) return null;
  const len = ((bytes[1]! << 24) >>> 0) + (bytes[2]! << 16) + (bytes[3]! << 8) + bytes[4]!;
  const width = bytes[6];
  if (len !== bytes.length - 6 || (width !== 4 && width !== 8) || (len - 1) % width !== 0) return null;
  const n = (len - 1) / width;
  const out = width === 4 ? new Int32Array(n) : new Float64Array(n);
  new Uint8Array(out.buffer).set(bytes.subarray(HEAD));
  return out;
}

/**
 * Collects a chunk's results in order: in an Int32Array while they are int32, a Float64Array
 * while they are numbers, and a plain array from the first other value on.
 */
export class NumberCollector {
  #ints: Int32Array | null = null;
  #floats: Float64Array | null = null;
  #list: unknown[] | null = null;
  #n = 0;

  constructor(size: number) {
    if (size >= MIN_NUMBER_ARRAY) this.#ints = new Int32Array(size);
    else this.#list = [];
  }

  /** Appends the next result. */
  push(r: unknown): void {
    const i = this.#n++;
    if (this.#list === null) {
      if (typeof r === 'number') {
        const ints = this.#ints;
        if (ints !== null) {
          if ((r | 0) === r && !(r === 0 && 1 / r < 0)) {
            ints[i] = r;
            return;
          }
          this.#floats = new Float64Array(ints.length);
          this.#floats.set(ints.subarray(0, i));
          this.#ints = null;
        }
        this.#floats![i] = r;
        return;
      }
      const typed = this.#ints ?? this.#floats!;
      this.#list = Array.from(typed.subarray(0, i));
      this.#ints = this.#floats = null;
    }
    this.#list.push(r);
  }

  /** The typed array of the results when they are all numbers (its length the size given), else null. */
  get numbers(): Int32Array | Float64Array | null {
    return this.#ints ?? this.#floats;
  }

  /** The results as a plain array (those that were numbers so far are copied out). */
  toArray(): unknown[] {
    if (this.#list === null) {
      this.#list = Array.from((this.#ints ?? this.#floats!).subarray(0, this.#n));
      this.#ints = this.#floats = null;
    }
    return this.#list;
  }
}
