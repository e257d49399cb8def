// One framed duplex per peer. Messages are small msgpack arrays ([type, ...fields]); user
// values inside them are already encoded by the codec. Sends made in one tick leave in one
// write. When the transport closes, close handlers run once so pending work can reject.
import { Packr } from 'msgpackr';
import { errors } from '../errors.js';
import { frameSimple } from './envelope.js';
import { concatFramed, DEFAULT_MAX_FRAME, FrameReader } from './frames.js';
import type { Transport } from './transport.js';

const envelope = new Packr({ useRecords: false, structuredClone: false });

export type Message = unknown[];

export class Channel {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private readonly reader: FrameReader;
  private readonly closeHandlers: ((error?: Error) => void)[] = [];
  closed = false;
  closeError: Error | undefined;
  onMessage: (msg: Message) => void = () => {};

  constructor(
    private readonly transport: Transport,
    maxFrame = DEFAULT_MAX_FRAME,
  ) {
    this.reader = new FrameReader((frame) => this.deliver(frame), maxFrame);
    transport.start(
      (chunk) => {
        try {
          this.reader.push(chunk);
        } catch (e) {
          this.fail(e as Error);
        }
      },
      (error) => this.handleClose(error),
    );
  }

  private deliver(frame: Uint8Array): void {
    let msg: unknown;
    try {
      msg = envelope.unpack(frame);
    } catch (e) {
      this.fail(errors.invalidFrame(`invalid frame from peer: ${(e as Error).message}`));
      return;
    }
    if (!Array.isArray(msg)) {
      this.fail(errors.invalidFrame('invalid message from peer: not an array'));
      return;
    }
    this.onMessage(msg);
  }

  /** Queues `msg`; it leaves at the end of this tick, or at flush() when `deferred`. */
  send(msg: Message, deferred = false): void {
    if (this.closed) return;
    // Queued framed: a lone message (the usual case when waiting for its answer) is written
    // as it is. Over a MessagePort the first one gets a buffer of its own, which postMessage
    // clones as it is (a view into Node's pool would be copied out first).
    const alloc = this.queue.length === 0 && this.transport.wholeBuffers ? Buffer.allocUnsafeSlow : Buffer.allocUnsafe;
    let framed = frameSimple(msg, alloc);
    if (!framed) {
      const bytes = envelope.pack(msg);
      framed = alloc(4 + bytes.length);
      writeLength(framed, bytes.length);
      framed.set(bytes, 4);
    }
    this.queue.push(framed);
    this.queuedBytes += framed.length;
    // Large batches leave at once: the peer can start on them while we prepare more.
    if (this.queuedBytes >= 64 * 1024) {
      this.flush();
      return;
    }
    if (!this.scheduled && !deferred) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /**
   * Sends one message whose envelope bytes the caller put together: `parts`, in order (a large
   * byte payload framed in place, see hub/raw-frames.ts). It leaves after everything queued,
   * and the parts are not packed or joined again: the transport writes them as they are when
   * it can (writev), so they must not change afterwards.
   */
  sendPacked(parts: Uint8Array[]): void {
    if (this.closed) return;
    this.flush();
    let total = 0;
    for (const p of parts) total += p.length;
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(total, 0);
    if (this.transport.writev) this.transport.writev([head, ...parts]);
    else this.transport.write(Buffer.concat([head, ...parts], 4 + total));
  }

  flush(): void {
    if (this.queue.length === 0 || this.closed) return;
    const data = this.queue.length === 1 ? this.queue[0]! : concatFramed(this.queue, this.queuedBytes);
    this.queue = [];
    this.queuedBytes = 0;
    this.transport.write(data);
  }

  /**
   * null while the outgoing bytes are under the transport's high-water mark; else flushes and
   * resolves once they are back under it. An awaited send waits on this (backpressure).
   */
  pressure(): Promise<void> | null {
    if (this.closed) return null;
    const p = this.transport.pressure();
    if (p) this.flush();
    return p;
  }

  /** Flushes and resolves once the bytes have left this process. */
  drain(): Promise<void> {
    this.flush();
    return this.transport.drain();
  }

  onClose(handler: (error?: Error) => void): void {
    if (this.closed) handler(this.closeError);
    else this.closeHandlers.push(handler);
  }

  private fail(error: Error): void {
    this.handleClose(error);
    this.transport.close();
  }

  private handleClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    this.queue = [];
    for (const h of this.closeHandlers.splice(0)) h(error);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.transport.close();
    this.handleClose();
  }

  ref(): void {
    this.transport.ref();
  }
  unref(): void {
    this.transport.unref();
  }
}

function writeLength(out: Uint8Array, n: number): void {
  out[0] = n & 0xff;
  out[1] = (n >>> 8) & 0xff;
  out[2] = (n >>> 16) & 0xff;
  out[3] = n >>> 24;
}
