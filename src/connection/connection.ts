// Connection: one end of a Pipe, or of a socket from Listener/Client. Messages keep their
// boundaries; send() encodes at the call; recv() rejects with EOFError once the peer is closed
// (or its process died) and nothing is left. A Pipe end passed to another process moves there:
// this copy can no longer be used. A socket end belongs to this process and cannot move.
import { decode, decodingUntrusted, encode, registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { errors } from '../errors.js';
import { currentDestination } from './transit.js';
import { lastRoutePressure, myAddress } from './router.js';
import { deliver, newPipeId, notifyAttached, notifyClosed, notifyMoving, registerEnd, unregisterEnd, type Item, type LocalEnd } from './pipe-home.js';
import { longTimeout } from '../util/long-timer.js';

export type { Item } from './pipe-home.js';

/** What a Connection's link tells it: messages, and the end of the peer. */
export interface LinkEnd extends LocalEnd {
  /** The peer is gone; with `error` when the link broke (bad frame), which recv() then reports. */
  peerGone(error?: Error): void;
}

/**
 * @internal The far side of a Connection: a Pipe's home (PipeLink), or a socket (SocketLink in
 * listener.ts). The Connection keeps the inbox, readers and state; a link only moves messages.
 */
export interface Link {
  /** 'pipe' or 'connection': names the peer in error messages. */
  readonly noun: string;
  /** Starts delivering messages for `end`. */
  attach(end: LinkEnd): void;
  /** Sends one message. false: the peer is gone; a promise settles once the message left. */
  post(item: Item): boolean | Promise<void>;
  /** Turns a value message into its value. */
  decode(payload: Uint8Array): unknown;
  /** This end closed. */
  close(): void;
  /** Set on links that cannot move to another process: why not. */
  readonly notTransferable?: string;
}

/** Pipe ends talk to the pipe's home, wherever in the tree the home and the peer are. */
class PipeLink implements Link {
  readonly noun = 'pipe';
  constructor(
    readonly id: string,
    readonly side: number,
    readonly home: string,
  ) {}
  attach(end: LinkEnd): void {
    registerEnd(this.id, this.side, end);
  }
  /** Posts; while the channel it left by is past its high-water mark, a promise (backpressure). */
  post(item: Item): boolean | Promise<void> {
    void lastRoutePressure();
    if (!deliver(this.home, this.id, 1 - this.side, item)) return false;
    return lastRoutePressure() ?? true;
  }
  decode(payload: Uint8Array): unknown {
    return decode(payload);
  }
  close(): void {
    unregisterEnd(this.id, this.side);
    notifyClosed(this.home, this.id, this.side);
  }
  /** A message that reached this end after it moved: home holds it for the new owner. */
  handBack(item: Item): void {
    deliver(this.home, this.id, this.side, item);
  }
}

/** @internal Decodes a value from a peer that is not part of the process tree (a socket). */
export function decodeFromPeer(payload: Uint8Array): unknown {
  try {
    // Untrusted: nothing is imported, and no pipe end can be adopted (see the reviver below).
    const value = decode(payload, { allowModules: false });
    // Never happens without allowModules; a late revival would escape the guard above.
    if (value instanceof Promise) throw errors.invalidMessage('invalid message from peer');
    return value;
  } catch (e) {
    if ((e as { code?: unknown }).code) throw e;
    throw Object.assign(errors.invalidMessage(`invalid message from peer: ${(e as Error).message}`), { cause: e });
  }
}

/** A decode failure of recv() as an error with a code (the bytes may be any sendBytes payload). */
function notAValue(e: unknown, sentAsBytes: number | boolean): Error {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string') return e;
  const err = errors.invalidMessage(
    `the next message is not an encoded value (${e instanceof Error ? e.message : String(e)})${sentAsBytes ? '; it was sent with sendBytes(): read it with recvBytes()' : ''}`,
  );
  err.cause = e;
  return err;
}

/** A waiting receive: `take` turns the arriving message into its result (one promise, no chain). */
interface Reader {
  take: (item: Item) => void;
  reject: (e: Error) => void;
}

type EndState = [id: string, side: number, home: string, readable: boolean, writable: boolean, inbox: Item[], peerClosed: boolean];

export class Connection<T = unknown> {
  #link: Link;
  #readable: boolean;
  #writable: boolean;
  #inbox: Item[];
  #readers: Reader[] = [];
  #watchers = new Set<() => void>();
  #peerClosed: boolean;
  /** Why the link broke, when it did not simply close. */
  #linkError: Error | undefined;
  #closed = false;
  #moved = false;

  /** @internal Use Pipe(), Listener.accept() or Client(). */
  constructor(link: Link, readable = true, writable = true, inbox: Item[] = [], peerClosed = false) {
    this.#link = link;
    this.#readable = readable;
    this.#writable = writable;
    this.#inbox = inbox;
    this.#peerClosed = peerClosed;
    link.attach(this);
  }

  get closed(): boolean {
    return this.#closed || this.#moved;
  }
  get readable(): boolean {
    return this.#readable;
  }
  get writable(): boolean {
    return this.#writable;
  }

  #checkUsable(): void {
    if (this.#moved) throw errors.connectionMoved('this end of the pipe was sent to another process and belongs to it now; use it there');
    if (this.#closed) throw errors.connectionClosed('the connection is closed');
  }
  #checkWritable(): void {
    this.#checkUsable();
    if (!this.#writable) throw errors.connectionReadOnly('this end of a one-way Pipe(false) only receives; send on the other end');
  }
  #checkReadable(): void {
    this.#checkUsable();
    if (!this.#readable) throw errors.connectionWriteOnly('this end of a one-way Pipe(false) only sends; receive on the other end');
  }

  #post(item: Item): Promise<void> {
    if (!this.#peerClosed) {
      const sent = this.#link.post(item);
      if (sent === true) return Promise.resolve();
      if (sent !== false) return sent;
    }
    this.#peerClosed = true;
    return Promise.reject(errors.brokenPipe(`the other end of the ${this.#link.noun} is closed`));
  }

  #eof(): Error {
    return this.#linkError ?? errors.eof(`the other end of the ${this.#link.noun} is closed and nothing is left to read`);
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
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) throw errors.outOfRange(`offset ${offset} is outside the buffer (length ${bytes.length})`);
    const n = size ?? bytes.length - offset;
    if (!Number.isInteger(n) || n < 0 || offset + n > bytes.length) throw errors.outOfRange(`size ${n} from offset ${offset} is outside the buffer (length ${bytes.length})`);
    return this.#post([1, bytes.slice(offset, offset + n)]);
  }

  #next<R>(transform: (item: Item) => R): Promise<Awaited<R>> {
    return new Promise<Awaited<R>>((resolve, reject) => {
      const take = (item: Item) => {
        try {
          resolve(transform(item) as Awaited<R>);
        } catch (e) {
          reject(e);
        }
      };
      const item = this.#inbox.shift();
      if (item) take(item);
      else if (this.#peerClosed) reject(this.#eof());
      else this.#readers.push({ take, reject });
    });
  }

  /**
   * Receives the next value. Rejects with EOFError once the peer closed and nothing is left.
   * As in CPython, send(obj) is sendBytes of obj's encoding: a message relayed with
   * recvBytes()/sendBytes() is recv()'d as the value it was (a socket peer's bytes are decoded
   * as untrusted, as always); bytes that are no encoded value reject with ERR_INVALID_MESSAGE.
   */
  recv(): Promise<T> {
    this.#checkReadable();
    return this.#next(([isBytes, payload]) => {
      let value: unknown;
      try {
        value = this.#link.decode(payload);
      } catch (e) {
        throw notAValue(e, isBytes);
      }
      return value instanceof Promise
        ? value.catch((e: unknown) => {
            throw notAValue(e, isBytes);
          })
        : value;
    }) as Promise<T>;
  }

  /** Receives the next message as bytes. `maxLength`: longer messages throw and are dropped. */
  recvBytes(maxLength?: number): Promise<Buffer> {
    this.#checkReadable();
    return this.#next(([, payload]) => {
      if (maxLength !== undefined && payload.length > maxLength) {
        throw errors.messageTooLong(`message of ${payload.length} bytes is longer than maxLength ${maxLength}`);
      }
      return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    });
  }

  /** Reads the next message into `buf` at `offset`; returns its length. BufferTooShort if it does not fit. */
  recvBytesInto(buf: ArrayBufferView, offset = 0): Promise<number> {
    this.#checkReadable();
    const target = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (!Number.isInteger(offset) || offset < 0 || offset > target.length) throw errors.outOfRange(`offset ${offset} is outside the buffer (length ${target.length})`);
    return this.#next(([, payload]) => {
      if (payload.length > target.length - offset) {
        throw errors.bufferTooShort(`message of ${payload.length} bytes does not fit in ${target.length - offset} bytes; its bytes are in err.data`, Buffer.from(payload));
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
      const timer =
        timeout === null || timeout === undefined || timeout === Infinity
          ? null
          : longTimeout(() => {
              this.#watchers.delete(done);
              resolve(false);
            }, timeout);
      // Data, EOF or a close make recv() answer at once; a moved end has nothing to read here.
      const done = () => {
        timer?.clear();
        this.#watchers.delete(done);
        resolve(!this.#moved);
      };
      this.#watchers.add(done);
    });
  }

  /** @internal For wait(): calls `fn` once readable. Returns a cancel function. */
  onReady(fn: () => void): () => void {
    if (this.#inbox.length > 0 || this.#peerClosed || this.#closed) {
      fn();
      return () => {};
    }
    const once = () => {
      this.#watchers.delete(once);
      fn();
    };
    this.#watchers.add(once);
    return () => this.#watchers.delete(once);
  }

  close(): void {
    if (this.#closed || this.#moved) {
      this.#closed = true;
      return;
    }
    this.#closed = true;
    this.#link.close();
    const err = errors.connectionClosed('the connection was closed while waiting to receive');
    for (const r of this.#readers.splice(0)) r.reject(err);
    for (const w of [...this.#watchers]) w();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal A message for this end. */
  push(item: Item): void {
    // Sent here before home learned this end left: hand it back, home holds it for the new owner.
    if (this.#moved) {
      (this.#link as PipeLink).handBack(item);
      return;
    }
    if (this.#closed) return;
    const reader = this.#readers.shift();
    if (reader) reader.take(item);
    else this.#inbox.push(item);
    if (this.#watchers.size > 0) for (const w of [...this.#watchers]) w();
  }

  /** @internal The peer end closed or its process ended (or the link broke: `error`). */
  peerGone(error?: Error): void {
    this.#peerClosed = true;
    this.#linkError ??= error;
    const err = this.#eof();
    for (const r of this.#readers.splice(0)) r.reject(err);
    for (const w of [...this.#watchers]) w();
  }

  [kReduce]() {
    this.#checkUsable();
    const link = this.#link;
    if (!(link instanceof PipeLink)) {
      throw errors.notTransferable(link.notTransferable ?? 'this Connection cannot be sent to another process');
    }
    const state: EndState = [link.id, link.side, link.home, this.#readable, this.#writable, this.#inbox, this.#peerClosed];
    return {
      type: 'multiproc.Connection',
      state,
      commit: () => {
        this.#moved = true;
        notifyMoving(link.home, link.id, link.side, currentDestination() ?? myAddress());
        // Whoever waited on this copy will never get data here.
        const err = errors.connectionMoved('this end of the pipe was sent to another process while a receive was waiting on it');
        for (const r of this.#readers.splice(0)) r.reject(err);
        for (const w of [...this.#watchers]) w();
      },
      transit: {
        rebind: (address: string) => notifyMoving(link.home, link.id, link.side, address),
        abandon: () => notifyClosed(link.home, link.id, link.side),
      },
    };
  }
}

registerSharedType('multiproc.Connection', (state) => {
  if (decodingUntrusted()) throw errors.invalidMessage('a peer connected through a socket cannot send a Connection');
  const s = state as EndState;
  if (!Array.isArray(s) || typeof s[0] !== 'string' || (s[1] !== 0 && s[1] !== 1) || typeof s[2] !== 'string') {
    throw errors.invalidMessage('malformed Connection in message');
  }
  const conn = new Connection(new PipeLink(s[0], s[1], s[2]), Boolean(s[3]), Boolean(s[4]), Array.isArray(s[5]) ? s[5] : [], Boolean(s[6]));
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
  const a = new Connection<T>(new PipeLink(id, 0, home), true, duplex);
  const b = new Connection<T>(new PipeLink(id, 1, home), duplex, true);
  return [a, b];
}
