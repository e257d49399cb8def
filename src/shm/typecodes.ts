// CPython's array/ctypes typecodes as typed-array views. Integer types refuse values they
// cannot hold (RangeError ERR_OUT_OF_RANGE) instead of wrapping like C: a silently wrapped
// counter is the kind of trap this library fixes. 'l' 'L' 'q' 'Q' are 64-bit (as on 64-bit
// Linux) and read as bigint; they accept a safe-integer number too.
import { errors } from '../errors.js';

export const TYPECODES = ['b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd', 'c'] as const;
export type Typecode = (typeof TYPECODES)[number];

/** What `.value` holds for a typecode. */
export type ValueOf<C extends Typecode> = C extends 'l' | 'L' | 'q' | 'Q' ? bigint : C extends 'c' ? Buffer : number;

type View = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

/** The typed array over a typecode's items (what `SharedArray(tc, …).view` is). */
export type ViewOf<C extends Typecode> = {
  b: Int8Array;
  B: Uint8Array;
  h: Int16Array;
  H: Uint16Array;
  i: Int32Array;
  I: Uint32Array;
  l: BigInt64Array;
  L: BigUint64Array;
  q: BigInt64Array;
  Q: BigUint64Array;
  f: Float32Array;
  d: Float64Array;
  c: Uint8Array;
}[C];

interface Info {
  size: number;
  make: (sab: SharedArrayBuffer, offset: number, length: number) => View;
  min?: number | bigint;
  max?: number | bigint;
}

const INFO: Record<Typecode, Info> = {
  b: { size: 1, make: (s, o, n) => new Int8Array(s, o, n), min: -128, max: 127 },
  B: { size: 1, make: (s, o, n) => new Uint8Array(s, o, n), min: 0, max: 255 },
  h: { size: 2, make: (s, o, n) => new Int16Array(s, o, n), min: -32768, max: 32767 },
  H: { size: 2, make: (s, o, n) => new Uint16Array(s, o, n), min: 0, max: 65535 },
  i: { size: 4, make: (s, o, n) => new Int32Array(s, o, n), min: -(2 ** 31), max: 2 ** 31 - 1 },
  I: { size: 4, make: (s, o, n) => new Uint32Array(s, o, n), min: 0, max: 2 ** 32 - 1 },
  l: { size: 8, make: (s, o, n) => new BigInt64Array(s, o, n), min: -(2n ** 63n), max: 2n ** 63n - 1n },
  L: { size: 8, make: (s, o, n) => new BigUint64Array(s, o, n), min: 0n, max: 2n ** 64n - 1n },
  q: { size: 8, make: (s, o, n) => new BigInt64Array(s, o, n), min: -(2n ** 63n), max: 2n ** 63n - 1n },
  Q: { size: 8, make: (s, o, n) => new BigUint64Array(s, o, n), min: 0n, max: 2n ** 64n - 1n },
  f: { size: 4, make: (s, o, n) => new Float32Array(s, o, n) },
  d: { size: 8, make: (s, o, n) => new Float64Array(s, o, n) },
  c: { size: 1, make: (s, o, n) => new Uint8Array(s, o, n) },
};

export function checkTypecode(tc: unknown): Typecode {
  if (typeof tc !== 'string' || !(TYPECODES as readonly string[]).includes(tc)) {
    throw errors.invalidTypecode(`unknown typecode ${JSON.stringify(tc)}; use one of ${TYPECODES.join(' ')}`);
  }
  return tc as Typecode;
}

export function itemSize(tc: Typecode): number {
  return INFO[tc].size;
}
export function makeView(tc: Typecode, sab: SharedArrayBuffer, offset: number, length: number): View {
  return INFO[tc].make(sab, offset, length);
}

/** Checks and converts `v` for storing as `tc`. */
export function toStored(tc: Typecode, v: unknown, where = 'value'): number | bigint {
  const info = INFO[tc];
  if (tc === 'c') {
    if (v instanceof Uint8Array && v.length === 1) return v[0]!;
    if (typeof v === 'string' && v.length === 1 && v.charCodeAt(0) < 256) return v.charCodeAt(0);
    throw errors.invalidArgType(`${where}: typecode 'c' holds one byte: pass a 1-byte Buffer (or a 1-character string)`);
  }
  if (tc === 'f' || tc === 'd') {
    if (typeof v !== 'number') throw errors.invalidArgType(`${where}: typecode '${tc}' holds a number, got ${typeof v}`);
    return v;
  }
  const big = typeof info.min === 'bigint';
  let n: number | bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else throw errors.invalidArgType(`${where}: typecode '${tc}' holds an integer, got ${typeof v === 'number' ? v : typeof v}`);
  if (big && typeof n === 'number' && !Number.isSafeInteger(n)) throw errors.outOfRange(`${where}: ${n} is not a safe integer; pass a bigint`);
  const x = big ? BigInt(n) : n;
  if (x < info.min! || x > info.max!) throw errors.outOfRange(`${where}: ${String(n)} does not fit typecode '${tc}' (${String(info.min)} to ${String(info.max)})`);
  return big ? x : Number(x);
}

/** The zero of a typecode (what shared values and arrays start as). */
export function zeroOf(tc: Typecode): number | bigint | Buffer {
  return tc === 'c' ? Buffer.alloc(1) : typeof INFO[tc].min === 'bigint' ? 0n : 0;
}

/** What a stored element reads as. */
export function fromStored(tc: Typecode, raw: number | bigint): number | bigint | Buffer {
  return tc === 'c' ? Buffer.of(Number(raw)) : raw;
}
