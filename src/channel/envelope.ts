// The channel's envelope of a message ([type, ...fields], msgpack) written straight into its
// frame. Most messages on the hot paths (a task, its result, a Pipe's route message, a hub
// call) hold only small integers, short ASCII strings, null, booleans and already-encoded byte
// payloads; msgpackr's general packer costs about a microsecond on each of them (its type
// dispatch and buffer management), measured as the largest JS cost of a thread round trip
// after postMessage itself. Anything else (floats, large or negative numbers, other strings,
// nested values) is left to msgpackr, which decodes both the same way (they are plain msgpack).

/** Longest ASCII string written here (msgpack fixstr holds up to 31 bytes). */
const MAX_FIXSTR = 31;
/** Arrays of up to 15 elements have a one-byte header (fixarray). */
const MAX_FIXARRAY = 15;

/** Bytes of `v` in msgpack if it is of a kind written here, else -1. */
function sizeOf(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return -1;
    return v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 5;
  }
  if (v instanceof Uint8Array) {
    const n = v.byteLength;
    return n < 0x100 ? 2 + n : n < 0x10000 ? 3 + n : 5 + n;
  }
  if (typeof v === 'string') {
    const n = v.length;
    if (n > MAX_FIXSTR) return -1;
    for (let i = 0; i < n; i++) if (v.charCodeAt(i) > 0x7f) return -1;
    return 1 + n;
  }
  if (v === null || v === true || v === false) return 1;
  return -1;
}

/**
 * `msg` framed ([u32 LE length][msgpack array]) in a buffer from `alloc`, or null when one of
 * its fields is of a kind left to msgpackr.
 */
export function frameSimple(msg: unknown[], alloc: (size: number) => Uint8Array): Uint8Array | null {
  const count = msg.length;
  if (count > MAX_FIXARRAY) return null;
  let body = 1;
  for (let i = 0; i < count; i++) {
    const n = sizeOf(msg[i]);
    if (n < 0) return null;
    body += n;
  }
  const out = alloc(4 + body);
  out[0] = body & 0xff;
  out[1] = (body >>> 8) & 0xff;
  out[2] = (body >>> 16) & 0xff;
  out[3] = body >>> 24;
  out[4] = 0x90 | count;
  let at = 5;
  for (let i = 0; i < count; i++) {
    const v = msg[i];
    if (typeof v === 'number') {
      if (v < 0x80) out[at++] = v;
      else if (v < 0x100) {
        out[at++] = 0xcc;
        out[at++] = v;
      } else if (v < 0x10000) {
        out[at++] = 0xcd;
        out[at++] = v >>> 8;
        out[at++] = v & 0xff;
      } else at = u32(out, at, 0xce, v);
    } else if (v instanceof Uint8Array) {
      const n = v.byteLength;
      if (n < 0x100) {
        out[at++] = 0xc4;
        out[at++] = n;
      } else if (n < 0x10000) {
        out[at++] = 0xc5;
        out[at++] = n >>> 8;
        out[at++] = n & 0xff;
      } else at = u32(out, at, 0xc6, n);
      out.set(v, at);
      at += n;
    } else if (typeof v === 'string') {
      const n = v.length;
      out[at++] = 0xa0 | n;
      for (let j = 0; j < n; j++) out[at++] = v.charCodeAt(j);
    } else out[at++] = v === null ? 0xc0 : v === true ? 0xc3 : 0xc2;
  }
  return out;
}

function u32(out: Uint8Array, at: number, tag: number, v: number): number {
  out[at] = tag;
  out[at + 1] = v >>> 24;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 8) & 0xff;
  out[at + 4] = v & 0xff;
  return at + 5;
}
