// A dedicated MessagePort between a process and a thread child it started, for routed
// (Pipe) traffic only. Over the thread's channel a Pipe message is packed into an envelope,
// framed, batched to the end of the tick and unframed and unpacked on the other side; here it
// is one structured clone of the route message. Every route message between the two goes
// this way (never some by the channel), so their order is kept; the channel still carries
// everything else. When the thread ends, what it posted is read before its death is announced.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { adoptBuffers, buffersNotSent } from '../util/shared-buffers.js';
import { PortCredit, PortPressure } from '../channel/port-pressure.js';

/** Bytes posted and not yet read by the other thread before awaited sends wait (as a thread channel). */
const HIGH_WATER = 4 * 1024 * 1024;
/** Counted per message besides its byte payloads (the ids and the clone's framing). */
const OVERHEAD = 64;

/** What the router needs of the way to a neighbour: a channel or a RoutePort. */
export interface Hop {
  readonly closed: boolean;
  send(msg: unknown[]): void;
  pressure(): Promise<void> | null;
}

/** One end of a thread's route port and the two byte counters (spawn.ts makes them). */
export interface RoutePortEnd {
  port: MessagePort;
  /** Bytes the parent posted not yet read by the child (at 0), and the reverse (at 8). */
  counters: SharedArrayBuffer;
}

type Posted = unknown[] | { buffers: unknown; msg: unknown[] };

export class RoutePort implements Hop {
  closed = false;
  #port: MessagePort;
  #given = { names: new Set<string>(), seen: -1 };
  /** Bytes this side posted and the other has not read yet. */
  #sent: PortPressure;
  /** Bytes the other side posted and this side has not read yet (paced: see PortCredit). */
  #read: PortCredit;
  #onMessage: (msg: unknown[]) => void;

  /** `side`: 0 in the parent, 1 in the child (which counter is whose). */
  constructor({ port, counters }: RoutePortEnd, side: 0 | 1, onMessage: (msg: unknown[]) => void) {
    this.#port = port;
    this.#sent = new PortPressure(new BigInt64Array(counters, side * 8, 1), HIGH_WATER, () => this.closed);
    this.#read = new PortCredit(new BigInt64Array(counters, (1 - side) * 8, 1), HIGH_WATER, true);
    this.#onMessage = onMessage;
    port.on('message', (m: Posted) => this.#receive(m));
    // The channel keeps the thread alive while it should be; this port never does.
    port.unref();
  }

  send(msg: unknown[]): void {
    if (this.closed) return;
    let n = OVERHEAD;
    for (let i = 0; i < msg.length; i++) {
      const f = msg[i];
      if (f instanceof Uint8Array) {
        n += f.byteLength;
        // A view is cloned with its whole ArrayBuffer (a small payload may sit in an 8 KiB pool).
        if (f.byteLength !== f.buffer.byteLength) msg[i] = new Uint8Array(f);
      }
    }
    this.#sent.add(n);
    // Shared memory the other thread has not seen travels with the message that may name it.
    const buffers = buffersNotSent(this.#given);
    this.#port.postMessage(buffers ? { buffers, msg } : msg);
  }

  #receive(m: Posted): void {
    let msg: unknown[];
    if (Array.isArray(m)) msg = m;
    else {
      adoptBuffers(m.buffers);
      msg = m.msg;
    }
    let n = OVERHEAD;
    for (let i = 0; i < msg.length; i++) {
      const f = msg[i];
      if (f instanceof Uint8Array) {
        n += f.byteLength;
        // As a Buffer, as the channel gives it: byte values inside decode the same way.
        msg[i] = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
      }
    }
    try {
      this.#onMessage(msg);
    } finally {
      this.#read.credit(n);
    }
  }

  pressure(): Promise<void> | null {
    return this.#sent.pressure();
  }

  /** The other side is gone: reads what it posted before (synchronously), then closes. */
  drainAndClose(): void {
    if (this.closed) return;
    for (let m = receiveMessageOnPort(this.#port); m; m = receiveMessageOnPort(this.#port)) this.#receive(m.message as Posted);
    this.closed = true;
    this.#port.close();
  }
}
