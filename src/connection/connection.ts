// Connection: one end of a Pipe. Messages keep their boundaries; send() encodes at the call;
// recv() rejects with EOFError once the peer is closed (or its process died) and nothing is
// left. An end passed to another process moves there: this copy can no longer be used.
import { decode, encode, registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { BufferTooShort, EOFError, ProcessError, misuse, rangeErr, typeErr } from '../errors.js';
import { currentDestination } from './transit.js';
import { myAddress } from './router.js';
import { deliver, newPipeId, notifyAttached, notifyClosed, notifyMoving, registerEnd, unregisterEnd, type Item, type LocalEnd } from './pipe-home.js';

function decodeItem([isBytes, payload]: Item): unknown {
  if (isBytes) throw typeErr('ERR_INVALID_MESSAGE', 'the next message was sent with sendBytes(); read it with recvBytes()');
  return decode(payload);
}

/** A waiting receive: `take` turns the arriving message into its result (one promise, no chain). */
interface Reader { take: (item: Item) => void; reject: (e: Error) => void }

type EndState = [id: string, side: number, home: string, readable: boolean, writable: boolean, inbox: Item[], peerClosed: boolean];

export class Connection<T = unknown> implements LocalEnd {
  #id: string;
  #side: number;
  #home: string;
  #readable: boolean;
  #writable: boolean;
  #inbox: Item[] = [];
  #readers: Reader[] = [];
  #watchers = new Set<() => void>();
  #peerClosed = false;
  #closed = false;
  #moved = false;

  /** @internal Use Pipe(). */
  constructor(state: EndState) {
    [this.#id, this.#side, this.#home, this.#readable, this.#writable, this.#inbox, this.#peerClosed] = state;
    registerEnd(this.#id, this.#side, this);
  }

  get closed(): boolean { return this.#closed || this.#moved; }
  get readable(): boolean { return this.#readable; }
  get writable(): boolean { return this.#writable; }

  #checkUsable(): void {
    if (this.#moved) throw misuse('ERR_CONNECTION_MOVED', 'this end of the pipe was sent to another process and belongs to it now; use it there');
    if (this.#closed) throw misuse('ERR_CONNECTION_CLOSED', 'the connection is closed');
  }
  #checkWritable(): void {
    this.#checkUsable();
    if (!this.#writable) throw misuse('ERR_CONNECTION_READ_ONLY', 'this end of a one-way Pipe(false) only receives; send on the other end');
  }
  #checkReadable(): void {
    this.#checkUsable();
    if (!this.#readable) throw misuse('ERR_CONNECTION_WRITE_ONLY', 'this end of a one-way Pipe(false) only sends; receive on the other end');
  }

  #post(item: Item): Promise<void> {
    if (this.#peerClosed || !deliver(this.#home, this.#id, 1 - this.#side, item)) {
      this.#peerClosed = true;
      return Promise.reject(new ProcessError('the other end of the pipe is closed', { code: 'ERR_BROKEN_PIPE' }));
    }
    return Promise.resolve();
  }

  /** Sends a value. Throws ERR_NOT_TRANSFERABLE at the call when it cannot be sent. */
  send(obj: T): Promise<void> {
    this.#checkWritable();
    return this.#post([0, encode(obj, 'obj')]);
  }

  /** Sends bytes as one message (`offset`/`size` select a part of `buf`). */
  sendBytes(buf: ArrayBufferView | ArrayBuffer, offset = 0, size?: number): Promise<void> {
    this.#checkWritable();
    const bytes = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) throw rangeErr('ERR_OUT_OF_RANGE', `offset ${offset} is outside the buffer (length ${bytes.length})`);
    const n = size ?? bytes.length - offset;
    if (!Number.isInteger(n) || n < 0 || offset + n > bytes.length) throw rangeErr('ERR_OUT_OF_RANGE', `size ${n} from offset ${offset} is outside the buffer (length ${bytes.length})`);
    return this.#post([1, bytes.slice(offset, offset + n)]);
  }

  #next<R>(transform: (item: Item) => R): Promise<Awaited<R>> {
    return new Promise<Awaited<R>>((resolve, reject) => {
      const take = (item: Item) => { try { resolve(transform(item) as Awaited<R>); } catch (e) { reject(e); } };
      const item = this.#inbox.shift();
      if (item) take(item);
      else if (this.#peerClosed) reject(new EOFError('the other end of the pipe is closed and nothing is left to read'));
      else this.#readers.push({ take, reject });
    });
  }

  /** Receives the next value. Rejects with EOFError once the peer closed and nothing is left. */
  recv(): Promise<T> {
    this.#checkReadable();
    return this.#next(decodeItem) as Promise<T>;
  }

  /** Receives the next message as bytes. `maxLength`: longer messages throw and are dropped. */
  recvBytes(maxLength?: number): Promise<Buffer> {
    this.#checkReadable();
    return this.#next(([, payload]) => {
      if (maxLength !== undefined && payload.length > maxLength) {
        throw rangeErr('ERR_MESSAGE_TOO_LONG', `message of ${payload.length} bytes is longer than maxLength ${maxLength}`);
      }
      return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    });
  }

  /** Reads the next message into `buf` at `offset`; returns its length. BufferTooShort if it does not fit. */
  recvBytesInto(buf: ArrayBufferView, offset = 0): Promise<number> {
    this.#checkReadable();
    const target = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (!Number.isInteger(offset) || offset < 0 || offset > target.length) throw rangeErr('ERR_OUT_OF_RANGE', `offset ${offset} is outside the buffer (length ${target.length})`);
    return this.#next(([, payload]) => {
      if (payload.length > target.length - offset) {
        throw new BufferTooShort(`message of ${payload.length} bytes does not fit in ${target.length - offset} bytes; its bytes are in err.data`, Buffer.from(payload));
      }
      target.set(payload, offset);
      return payload.length;
    });
  }

  /** Whether recv() would not wait: data is there, or the peer closed. Waits up to `timeout` ms. */
  poll(timeout = 0): Promise<boolean> {
    this.#checkReadable();
    if (this.#inbox.length > 0 || this.#peerClosed) return Promise.resolve(true);
    if (timeout !== null && timeout <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = timeout === null || timeout === undefined || timeout === Infinity ? null : setTimeout(() => { this.#watchers.delete(done); resolve(false); }, timeout);
      // Data, EOF or a close make recv() answer at once; a moved end has nothing to read here.
      const done = () => { if (timer) clearTimeout(timer); this.#watchers.delete(done); resolve(!this.#moved); };
      this.#watchers.add(done);
    });
  }

  /** @internal For wait(): calls `fn` once readable. Returns a cancel function. */
  onReady(fn: () => void): () => void {
    if (this.#inbox.length > 0 || this.#peerClosed || this.#closed) { fn(); return () => {}; }
    const once = () => { this.#watchers.delete(once); fn(); };
    this.#watchers.add(once);
    return () => this.#watchers.delete(once);
  }

  close(): void {
    if (this.#closed || this.#moved) { this.#closed = true; return; }
    this.#closed = true;
    unregisterEnd(this.#id, this.#side);
    notifyClosed(this.#home, this.#id, this.#side);
    const err = misuse('ERR_CONNECTION_CLOSED', 'the connection was closed while waiting to receive');
    for (const r of this.#readers.splice(0)) r.reject(err);
    for (const w of [...this.#watchers]) w();
  }

  [Symbol.dispose](): void { this.close(); }

  /** @internal Pipe traffic for this end. */
  push(item: Item): void {
    // Sent here before home learned this end left: hand it back, home holds it for the new owner.
    if (this.#moved) { deliver(this.#home, this.#id, this.#side, item); return; }
    if (this.#closed) return;
    const reader = this.#readers.shift();
    if (reader) reader.take(item); else this.#inbox.push(item);
    for (const w of [...this.#watchers]) w();
  }

  /** @internal The peer end closed or its process ended. */
  peerGone(): void {
    this.#peerClosed = true;
    const err = new EOFError('the other end of the pipe is closed and nothing is left to read');
    for (const r of this.#readers.splice(0)) r.reject(err);
    for (const w of [...this.#watchers]) w();
  }

  [kReduce]() {
    this.#checkUsable();
    const state: EndState = [this.#id, this.#side, this.#home, this.#readable, this.#writable, this.#inbox, this.#peerClosed];
    return {
      type: 'multiproc.Connection', state,
      commit: () => {
        this.#moved = true;
        notifyMoving(this.#home, this.#id, this.#side, currentDestination() ?? myAddress());
        // Whoever waited on this copy will never get data here.
        const err = misuse('ERR_CONNECTION_MOVED', 'this end of the pipe was sent to another process while a receive was waiting on it');
        for (const r of this.#readers.splice(0)) r.reject(err);
        for (const w of [...this.#watchers]) w();
      },
      transit: {
        rebind: (address: string) => notifyMoving(this.#home, this.#id, this.#side, address),
        abandon: () => notifyClosed(this.#home, this.#id, this.#side),
      },
    };
  }
}

registerSharedType('multiproc.Connection', (state) => {
  const s = state as EndState;
  if (!Array.isArray(s) || typeof s[0] !== 'string' || (s[1] !== 0 && s[1] !== 1) || typeof s[2] !== 'string') {
    throw typeErr('ERR_INVALID_MESSAGE', 'malformed Connection in message');
  }
  const conn = new Connection([s[0], s[1], s[2], Boolean(s[3]), Boolean(s[4]), Array.isArray(s[5]) ? s[5] : [], Boolean(s[6])]);
  notifyAttached(s[2], s[0], s[1]);
  return conn;
});

/**
 * A pair of connected ends. Duplex by default; `Pipe(false)` gives [reader, writer].
 * Either end may be passed to a Process or Pool task, at any depth of the process tree.
 */
export function Pipe<T = unknown>(duplex = true): [Connection<T>, Connection<T>] {
  const id = newPipeId();
  const home = myAddress();
  const a = new Connection<T>([id, 0, home, true, duplex, [], false]);
  const b = new Connection<T>([id, 1, home, duplex, true, [], false]);
  return [a, b];
}
