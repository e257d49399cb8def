// The two byte pipes a channel can run over: a Unix socket (child process, fd 3) and a
// MessagePort (worker thread). Both deliver whole batches of frames. Both report pressure:
// past a high-water mark of bytes written and not yet taken by the other side, pressure()
// gives a promise that resolves once they are (awaited sends wait on it, so a streaming
// producer's memory stays bounded and its event loop lets the bytes out).
import type { Socket } from 'node:net';
import type { MessagePort, Worker } from 'node:worker_threads';
import { adoptBuffers, buffersNotSent } from '../util/shared-buffers.js';
import { counterOf, newCounter, PortCredit, PortPressure } from './port-pressure.js';

export interface Transport {
  write(data: Uint8Array): void;
  /** Optional: writes `chunks` in order as one write, without joining them (the socket's writev). */
  writev?(chunks: Uint8Array[]): void;
  start(onData: (chunk: Uint8Array) => void, onClose: (error?: Error) => void): void;
  close(): void;
  /** Resolves once everything written so far has left this process. */
  drain(): Promise<void>;
  /** null while under the high-water mark; else resolves once back under it (or closed). */
  pressure(): Promise<void> | null;
  ref(): void;
  unref(): void;
  /** Writes of a buffer of their own go cheaper than views into Node's buffer pool (a MessagePort's). */
  readonly wholeBuffers?: boolean;
}

/** Bytes a socket may hold in this process before awaited sends wait for it to drain. */
export const SOCKET_HIGH_WATER = 1024 * 1024;
/** Bytes posted to a thread and not yet read there before awaited sends wait. */
export const PORT_HIGH_WATER = 4 * 1024 * 1024;

/** `initial`: bytes already read from the socket (after a handshake), delivered first at start(). */
export function socketTransport(socket: Socket, initial?: Uint8Array): Transport {
  let closed = false;
  // One wait shared by every sender under pressure (no listener per send).
  let draining: Promise<void> | null = null;
  return {
    write(data) {
      if (!closed) socket.write(data);
    },
    writev(chunks) {
      if (closed) return;
      socket.cork();
      for (const c of chunks) socket.write(c);
      socket.uncork();
    },
    start(onData, onClose) {
      const end = (error?: Error) => {
        if (!closed) {
          closed = true;
          onClose(error);
        }
      };
      socket.on('data', onData);
      // After the caller finished wiring up (the channel's onMessage is set after start()).
      queueMicrotask(() => {
        if (closed) return;
        if (initial && initial.length > 0) onData(initial);
        socket.resume();
      });
      socket.on('error', end);
      socket.on('end', () => end());
      socket.on('close', () => end());
      // It may have ended before we listened (while a handshake handed it over): no event comes then.
      if (socket.destroyed || socket.readableEnded) end();
    },
    close() {
      closed = true;
      socket.end();
      socket.destroySoon?.();
    },
    drain() {
      return closed || socket.writableLength === 0 ? Promise.resolve() : new Promise((r) => socket.write(new Uint8Array(0), () => r()));
    },
    pressure() {
      if (closed || socket.destroyed || socket.writableLength <= SOCKET_HIGH_WATER) return null;
      draining ??= new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          draining = null;
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
      return draining;
    },
    ref() {
      socket.ref();
    },
    unref() {
      socket.unref();
    },
  };
}

type PortLike = MessagePort | Worker;

export function portTransport(port: PortLike, closeEvent: 'close' | 'exit'): Transport {
  let closed = false;
  const given = { names: new Set<string>(), seen: -1 };
  // The unread counter travels with the first batch; the other side gives credit on it.
  const unread = newCounter();
  const sent = new PortPressure(unread, PORT_HIGH_WATER, () => closed);
  let counterSent = false;
  let peer: PortCredit | null = null;
  return {
    wholeBuffers: true,
    write(data) {
      if (closed) return;
      const n = data.byteLength;
      sent.add(n);
      // Shared memory the other thread has not seen travels with this batch (it is needed to
      // decode it), and so does the unread counter the first time.
      const buffers = buffersNotSent(given);
      const exact = () => (n === data.buffer.byteLength ? data : new Uint8Array(data));
      if (buffers || !counterSent) {
        port.postMessage({ buffers, unread: counterSent ? undefined : unread.buffer, frames: exact() });
        counterSent = true;
        return;
      }
      // Transferring detaches the buffer, which costs more than copying a small one.
      const whole = n >= 64 * 1024 && data.byteOffset === 0 && n === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
      if (whole) port.postMessage(data, [data.buffer as ArrayBuffer]);
      // A view posts its whole ArrayBuffer: a small batch sits in Node's 8 KiB buffer pool, so
      // it goes as an exact copy (measured: the posted 8 KiB was most of a thread round trip).
      else port.postMessage(exact());
    },
    start(onData, onClose) {
      // As a Buffer, so byte payloads decode as Buffers, exactly as over a socket.
      port.on('message', (m: Uint8Array | { buffers: unknown; unread?: SharedArrayBuffer; frames: Uint8Array }) => {
        if (!(m instanceof Uint8Array)) {
          adoptBuffers(m.buffers);
          const counter = counterOf(m.unread);
          if (counter) peer = new PortCredit(counter, PORT_HIGH_WATER, false);
          m = m.frames;
        }
        const n = m.byteLength;
        try {
          onData(Buffer.from(m.buffer, m.byteOffset, n));
        } finally {
          peer?.credit(n);
        }
      });
      port.on(closeEvent, () => {
        if (!closed) {
          closed = true;
          onClose();
        }
      });
    },
    close() {
      closed = true;
      if ('close' in port) port.close();
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
