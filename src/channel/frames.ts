// Length-prefixed frames: [u32 LE length][payload]. The reader is defensive: a length over
// the limit closes the channel with ERR_FRAME_TOO_LARGE instead of allocating it.
import { errors } from '../errors.js';

export const DEFAULT_MAX_FRAME = 1024 * 1024 * 1024; // 1 GiB between a parent and its workers

/** Packs frames into one buffer, so a batch costs one write. */
export function joinFrames(frames: Uint8Array[], total: number): Uint8Array {
  // Small batches come from Node's buffer pool; a large one gets its own ArrayBuffer, so it
  // can be transferred to a thread instead of copied.
  const size = total + 4 * frames.length;
  const out = size >= 64 * 1024 ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size);
  let at = 0;
  for (const f of frames) {
    out.writeUInt32LE(f.length, at);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

/** Joins frames that have their length prefix already (the channel's queue) into one buffer. */
export function concatFramed(framed: Uint8Array[], size: number): Uint8Array {
  const out = size >= 64 * 1024 ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size);
  let at = 0;
  for (const f of framed) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

export class FrameReader {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private need = -1;

  constructor(
    private readonly onFrame: (frame: Uint8Array) => void,
    private readonly maxFrame = DEFAULT_MAX_FRAME,
  ) {}

  /** Feeds bytes; calls onFrame for each complete frame. Throws on an oversized length. */
  push(chunk: Uint8Array): void {
    // A chunk may also start in the middle of a frame whose header came before (need >= 0).
    if (this.pendingBytes === 0 && this.need < 0) {
      // Fast path: whole frames inside this chunk need no copying.
      let at = 0;
      while (chunk.length - at >= 4) {
        const len = readLength(chunk, at);
        this.check(len);
        if (chunk.length - at - 4 < len) break;
        this.onFrame(chunk.subarray(at + 4, at + 4 + len));
        at += 4 + len;
      }
      if (at === chunk.length) return;
      chunk = chunk.subarray(at);
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.drain();
  }

  private check(len: number): void {
    if (len > this.maxFrame) {
      throw errors.frameTooLarge(
        `a peer announced a ${len}-byte frame; the limit is ${this.maxFrame} bytes (a Listener, Client or manager takes a larger maxMessageSize if this is expected)`,
      );
    }
  }

  private take(n: number): Uint8Array {
    // An empty frame whose header ended the pending bytes: nothing to take (and no pending[0]).
    if (n === 0) return new Uint8Array(0);
    const first = this.pending[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return out;
    }
    // A Buffer, as a single socket read would have been: values inside decode the same way.
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.pending[0]!;
      const part = Math.min(head.length, n - filled);
      out.set(head.subarray(0, part), filled);
      filled += part;
      if (part === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(part);
    }
    this.pendingBytes -= n;
    return out;
  }

  private drain(): void {
    for (;;) {
      if (this.need < 0) {
        if (this.pendingBytes < 4) return;
        const len = readLength(this.take(4), 0);
        this.check(len);
        this.need = len;
      }
      if (this.pendingBytes < this.need) return;
      const frame = this.take(this.need);
      this.need = -1;
      this.onFrame(frame);
    }
  }
}

function readLength(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
}
