// The link between a thread and its own hub thread (local-hub.ts): a MessagePort instead of
// the Unix socket other processes use. The two threads share a process, so nothing needs
// authenticating, and a batch of frames crosses as one message: a large one is transferred
// (its memory changes hands, no copy), and it arrives whole (no reassembly from socket reads).
// Unlike channel/transport.ts's portTransport it hands over no SharedArrayBuffers: the hub
// never decodes a value, and holding every buffer of this thread would keep them alive.
import type { MessagePort } from 'node:worker_threads';
import type { Transport } from '../channel/transport.js';
import { counterOf, newCounter, PortCredit, PortPressure } from '../channel/port-pressure.js';

/** Bytes posted to the hub thread and not yet read there before awaited sends wait. */
const HIGH_WATER = 4 * 1024 * 1024;
/** Batches from this size on are transferred rather than copied by postMessage. */
const TRANSFER_MIN = 32 * 1024;

interface First {
  unread: SharedArrayBuffer;
  frames: Uint8Array;
}

export function hubPortTransport(port: MessagePort): Transport {
  let closed = false;
  // The unread counter travels with the first batch; the other side gives credit on it.
  const unread = newCounter();
  const sent = new PortPressure(unread, HIGH_WATER, () => closed);
  let counterSent = false;
  let peer: PortCredit | null = null;
  const post = (data: Uint8Array) => {
    if (closed) return;
    const n = data.byteLength;
    sent.add(n);
    if (!counterSent) {
      counterSent = true;
      port.postMessage({ unread: unread.buffer, frames: data } satisfies First);
      return;
    }
    const whole = n >= TRANSFER_MIN && data.byteOffset === 0 && n === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
    if (whole) port.postMessage(data, [data.buffer as ArrayBuffer]);
    else port.postMessage(data);
  };
  return {
    wholeBuffers: true,
    write: post,
    writev(chunks) {
      let total = 0;
      for (const c of chunks) total += c.byteLength;
      // One buffer of its own, so a large one is transferred.
      const out = total >= TRANSFER_MIN ? Buffer.allocUnsafeSlow(total) : Buffer.allocUnsafe(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.byteLength;
      }
      post(out);
    },
    start(onData, onClose) {
      port.on('message', (m: unknown) => {
        if (!(m instanceof Uint8Array)) {
          const first = m as Partial<First> | null;
          const counter = counterOf(first?.unread);
          if (counter) peer = new PortCredit(counter, HIGH_WATER, false);
          if (!(first?.frames instanceof Uint8Array)) return;
          m = first.frames;
        }
        const bytes = m as Uint8Array;
        const n = bytes.byteLength;
        try {
          // As a Buffer, so byte payloads decode as Buffers, exactly as over a socket.
          onData(Buffer.from(bytes.buffer, bytes.byteOffset, n));
        } finally {
          peer?.credit(n);
        }
      });
      port.on('close', () => {
        if (!closed) {
          closed = true;
          onClose();
        }
      });
    },
    close() {
      if (closed) return;
      closed = true;
      port.close();
    },
    drain() {
      return Promise.resolve();
    },
    pressure() {
      return sent.pressure();
    },
    ref() {
      port.ref();
    },
    unref() {
      port.unref();
    },
  };
}
