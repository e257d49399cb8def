// Large byte payloads framed in place. A queue item of many kilobytes used to be copied by the
// codec, again by the channel's envelope packer, again when the batch was joined for the
// socket, and the same twice more in the hub on the way out. Here the msgpack bytes around
// such an item are written by hand (a few headers) and the item itself is never repacked:
//   - a Buffer put in a queue becomes its codec bytes (a msgpack bin, what encode() makes of a
//     Buffer) with one copy, and leaves in a NOTE whose envelope is built around it;
//   - the hub answers a get with its stored item bytes handed to the socket as they are
//     (writev), only the headers are new.
// The peer receives an ordinary envelope: nothing changes in how frames are read, checked
// and bounded, and decoding a bin never runs code.
import type { Socket } from 'node:net';
import type { Channel } from '../channel/channel.js';
import { H } from '../protocol/hub.js';

/** Items from this size on travel framed in place (smaller ones batch better through the packer). */
export const RAW_MIN_BYTES = 8 * 1024;

/** Length of a msgpack bin header for `n` bytes. */
function binHeaderLength(n: number): number {
  return n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

function writeBinHeader(out: Uint8Array, at: number, n: number): number {
  if (n < 0x100) {
    out[at] = 0xc4;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = 0xc5;
    out[at + 1] = n >>> 8;
    out[at + 2] = n & 0xff;
    return at + 3;
  }
  out[at] = 0xc6;
  out[at + 1] = n >>> 24;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = (n >>> 8) & 0xff;
  out[at + 4] = n & 0xff;
  return at + 5;
}

/**
 * The codec bytes of `item` when it is a large plain Buffer (what encode() makes of it: a
 * msgpack bin, decoded as a Buffer), made with one copy; null for anything else, which goes
 * through the codec. The copy is taken now: the caller may reuse its Buffer once put() returns.
 */
export function rawBufferBytes(item: unknown): Uint8Array | null {
  const buf = largeBuffer(item);
  return buf ? writeRawBufferBytes(Buffer.allocUnsafeSlow(rawBytesLength(buf.length)), buf) : null;
}

/** `item` when it is a large plain Buffer (see rawBufferBytes), else null. */
export function largeBuffer(item: unknown): Buffer | null {
  if (!(item instanceof Uint8Array) || Object.getPrototypeOf(item) !== Buffer.prototype || item.length < RAW_MIN_BYTES || item.length > 0xffffffff) return null;
  return item as Buffer;
}

/** Bytes rawBufferBytes makes of a Buffer of `n` bytes. */
export function rawBytesLength(n: number): number {
  return binHeaderLength(n) + n;
}

/** Writes the codec bytes of `item` into `out` (rawBytesLength(item.length) bytes); returns `out`. */
export function writeRawBufferBytes<B extends Uint8Array>(out: B, item: Uint8Array): B {
  out.set(item, writeBinHeader(out, 0, item.length));
  return out;
}

/** Size of the blocks RawCopyBlocks copies into, and how many free ones it keeps. */
const BLOCK_BYTES = 1024 * 1024;
const BLOCKS_KEPT = 4;

/**
 * Codec bytes of large Buffers put through one socket, copied into blocks of memory that are
 * used again, instead of a fresh allocation per item (whose page faults cost more than the
 * copy). The socket may hold on to the bytes until the kernel takes them, so a full block is
 * reused only once an empty write queued behind its bytes has completed (a socket's writes
 * complete in order). Blocks of a failed socket are left to the garbage collector.
 */
export class RawCopyBlocks {
  private block: Buffer | null = null;
  private at = 0;
  private readonly free: Buffer[] = [];

  /** Whether `item` goes through blocks (a quarter of one at most; larger ones get their own memory). */
  static takes(item: Uint8Array): boolean {
    return rawBytesLength(item.length) <= BLOCK_BYTES / 4;
  }

  copy(socket: Socket, item: Uint8Array): Uint8Array {
    const size = rawBytesLength(item.length);
    if (!this.block || this.at + size > this.block.length) {
      const full = this.block;
      if (full) {
        socket.write(new Uint8Array(0), (e) => {
          if (!e && this.free.length < BLOCKS_KEPT) this.free.push(full);
        });
      }
      this.block = this.free.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES);
      this.at = 0;
    }
    const out = writeRawBufferBytes(this.block.subarray(this.at, this.at + size), item);
    this.at += size;
    return out;
  }
}

/** A msgpack str header and bytes for a short ASCII-safe string (object ids, op names), else null. */
function strBytes(s: string): Buffer | null {
  const body = Buffer.from(s, 'utf8');
  if (body.length >= 32) return null;
  const out = Buffer.allocUnsafe(1 + body.length);
  out[0] = 0xa0 | body.length;
  out.set(body, 1);
  return out;
}

/** msgpack bytes of a non-negative integer below 2^32 (request ids), else null. */
function uintBytes(v: unknown): Buffer | null {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) return null;
  if (v < 0x80) return Buffer.of(v);
  if (v < 0x100) return Buffer.of(0xcc, v);
  if (v < 0x10000) return Buffer.of(0xcd, v >>> 8, v & 0xff);
  const out = Buffer.allocUnsafe(5);
  out[0] = 0xce;
  out.writeUInt32BE(v, 1);
  return out;
}

function arrayHeader(n: number): Buffer {
  if (n < 16) return Buffer.of(0x90 | n);
  if (n < 0x10000) return Buffer.of(0xdc, n >>> 8, n & 0xff);
  const out = Buffer.allocUnsafe(5);
  out[0] = 0xdd;
  out.writeUInt32BE(n, 1);
  return out;
}

function binHeader(n: number): Buffer {
  const out = Buffer.allocUnsafe(binHeaderLength(n));
  writeBinHeader(out, 0, n);
  return out;
}

/** Whether these items are worth framing in place (one of them is large). */
export function hasLargeItem(items: readonly unknown[]): boolean {
  for (const b of items) if (b instanceof Uint8Array && b.length >= RAW_MIN_BYTES) return true;
  return false;
}

/**
 * Sends [NOTE, objectId, op, ...items] (items: codec bytes) with the items written as they
 * are. False when it cannot (an id too long for the short form): the caller sends it packed.
 */
export function sendNoteRaw(channel: Channel, objectId: string, op: string, items: readonly Uint8Array[]): boolean {
  const id = strBytes(objectId);
  const name = strBytes(op);
  if (!id || !name) return false;
  const parts: Uint8Array[] = [Buffer.concat([arrayHeader(3 + items.length), Buffer.of(H.NOTE), id, name])];
  for (const item of items) parts.push(binHeader(item.length), item);
  channel.sendPacked(parts);
  return true;
}

/**
 * Sends [OK, requestId, items] (items: codec bytes the hub holds) with the items handed to
 * the transport as they are. False when it cannot (an odd request id): the caller sends it packed.
 */
export function sendItemsRaw(channel: Channel, requestId: number, items: readonly unknown[]): boolean {
  const id = uintBytes(requestId);
  if (!id || !items.every((b) => b instanceof Uint8Array)) return false;
  const parts: Uint8Array[] = [Buffer.concat([Buffer.of(0x93, H.OK), id, arrayHeader(items.length)])];
  for (const item of items as readonly Uint8Array[]) parts.push(binHeader(item.length), item);
  channel.sendPacked(parts);
  return true;
}
