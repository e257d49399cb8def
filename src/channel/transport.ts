// The two byte pipes a channel can run over: a Unix socket (child process, fd 3) and a
// MessagePort (worker thread). Both deliver whole batches of frames.
import type { Socket } from 'node:net';
import type { MessagePort, Worker } from 'node:worker_threads';
import { adoptBuffers, buffersNotSent } from '../runtime/shared-buffers.js';

export interface Transport {
  write(data: Uint8Array): void;
  start(onData: (chunk: Uint8Array) => void, onClose: (error?: Error) => void): void;
  close(): void;
  /** Resolves once everything written so far has left this process. */
  drain(): Promise<void>;
  ref(): void;
  unref(): void;
}

/** `initial`: bytes already read from the socket (after a handshake), delivered first at start(). */
export function socketTransport(socket: Socket, initial?: Uint8Array): Transport {
  let closed = false;
  return {
    write(data) { if (!closed) socket.write(data); },
    start(onData, onClose) {
      const end = (error?: Error) => { if (!closed) { closed = true; onClose(error); } };
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
    close() { closed = true; socket.end(); socket.destroySoon?.(); },
    drain() { return closed || socket.writableLength === 0 ? Promise.resolve() : new Promise((r) => socket.write(new Uint8Array(0), () => r())); },
    ref() { socket.ref(); },
    unref() { socket.unref(); },
  };
}

type PortLike = MessagePort | Worker;

export function portTransport(port: PortLike, closeEvent: 'close' | 'exit'): Transport {
  let closed = false;
  const given = { names: new Set<string>(), seen: -1 };
  return {
    write(data) {
      if (closed) return;
      // Shared memory the other thread has not seen travels with this batch (it is needed to decode it).
      const buffers = buffersNotSent(given);
      if (buffers) { port.postMessage({ buffers, frames: data }); return; }
      // Transferring detaches the buffer, which costs more than copying a small one.
      const whole = data.byteLength >= 64 * 1024 && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
      if (whole) port.postMessage(data, [data.buffer as ArrayBuffer]); else port.postMessage(data);
    },
    start(onData, onClose) {
      // As a Buffer, so byte payloads decode as Buffers, exactly as over a socket.
      port.on('message', (m: Uint8Array | { buffers: unknown; frames: Uint8Array }) => {
        if (!(m instanceof Uint8Array)) { adoptBuffers(m.buffers); m = m.frames; }
        onData(Buffer.from(m.buffer, m.byteOffset, m.byteLength));
      });
      port.on(closeEvent, () => { if (!closed) { closed = true; onClose(); } });
    },
    close() { closed = true; if ('close' in port) port.close(); },
    drain() { return Promise.resolve(); },
    ref() { port.ref(); },
    unref() { port.unref(); },
  };
}
