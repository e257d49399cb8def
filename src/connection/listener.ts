// Listener and Client: Connections between programs that did not start each other, over TCP
// or a Unix socket. Every connection starts with the mutual HMAC handshake of auth.ts (with
// an empty key when neither side has an authKey), so a stranger or a key on one side only is
// refused on both sides before any message flows. Over the socket each message is one frame
// from frames.ts: [u32 length][kind: 0 value, 1 bytes][payload]. A peer here is not part of
// the process tree: its values decode without module imports or shared objects.
import type { Server, Socket } from 'node:net';
import { DEFAULT_MAX_FRAME, FrameReader } from '../channel/frames.js';
import { socketTransport, type Transport } from '../channel/transport.js';
import { errors } from '../errors.js';
import { lazyNet } from '../util/builtins.js';
import { clientHandshake, serverHandshake } from './auth.js';
import { Connection, decodeFromPeer, type Item, type Link, type LinkEnd } from './connection.js';
import { longTimeout } from '../util/long-timer.js';

/** A TCP address (`host` defaults to 127.0.0.1; port 0 picks a free port) or a Unix socket path ('\0name': Linux abstract). */
export type Address = { host?: string; port: number } | { path: string };

export interface ClientOptions {
  /** Shared secret; both sides must have the same one (or neither). */
  authKey?: Uint8Array | string;
  /** Largest message accepted from the peer, in bytes (default 1 GiB); a larger one breaks the connection. */
  maxMessageSize?: number;
  /** ms allowed for connecting and for the handshake (default 10_000). */
  handshakeTimeout?: number;
}

export interface ListenerOptions extends ClientOptions {
  address: Address;
  /** Pending connections the OS queues (net.Server's backlog). */
  backlog?: number;
}

type Settings = { key: Buffer; maxMessageSize: number; timeout: number };

const invalid = (message: string) => errors.invalidArgValue(message);
const wrongType = (message: string) => errors.invalidArgType(message);

function checkAddress(address: unknown, who: string): { host: string; port: number } | { path: string } {
  const usage = `${who} address must be { host, port } or { path }`;
  if (!address || typeof address !== 'object') throw wrongType(`${usage}, got ${address === null ? 'null' : typeof address}`);
  const a = address as Record<string, unknown>;
  if ('path' in a && a.path !== undefined) {
    if ('port' in a && a.port !== undefined) throw invalid(`${usage}, not both`);
    if (typeof a.path !== 'string') throw wrongType(`${who} address.path must be a string, got ${typeof a.path}`);
    if (a.path === '' || a.path === '\0') throw invalid(`${who} address.path must not be empty`);
    return { path: a.path };
  }
  if (typeof a.port !== 'number') throw wrongType(`${usage}; address.port must be a number, got ${typeof a.port}`);
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535 || (a.port === 0 && who === 'Client')) {
    throw invalid(`${who} address.port must be an integer from ${who === 'Client' ? 1 : 0} to 65535, got ${a.port}`);
  }
  if (a.host !== undefined && (typeof a.host !== 'string' || a.host === '')) throw wrongType(`${who} address.host must be a non-empty string`);
  return { host: (a.host as string | undefined) ?? '127.0.0.1', port: a.port };
}

function checkOptions(options: ClientOptions, who: string): Settings {
  if (!options || typeof options !== 'object') throw wrongType(`${who} options must be an object`);
  const { authKey, maxMessageSize = DEFAULT_MAX_FRAME, handshakeTimeout = 10_000 } = options;
  let key: Buffer;
  if (authKey === undefined || authKey === null) key = Buffer.alloc(0);
  else if (typeof authKey === 'string') key = Buffer.from(authKey, 'utf8');
  else if (authKey instanceof Uint8Array) key = Buffer.from(authKey);
  else throw wrongType(`${who} authKey must be a Buffer, Uint8Array or string, got ${typeof authKey}`);
  if (!Number.isInteger(maxMessageSize) || maxMessageSize < 0 || maxMessageSize > 0xfffffffe) {
    throw errors.outOfRange(`${who} maxMessageSize must be an integer from 0 to ${0xfffffffe}, got ${maxMessageSize}`);
  }
  // Any length works (long timers chain, see util/long-timer.ts); Infinity means no limit.
  if (typeof handshakeTimeout !== 'number' || !(handshakeTimeout > 0)) {
    throw errors.outOfRange(`${who} handshakeTimeout must be a positive number of ms (or Infinity), got ${String(handshakeTimeout)}`);
  }
  return { key, maxMessageSize, timeout: handshakeTimeout };
}

const describe = (a: { host: string; port: number } | { path: string }) => ('path' in a ? (a.path.startsWith('\0') ? `@${a.path.slice(1)}` : a.path) : `${a.host}:${a.port}`);

/** A Connection's link over a connected, authenticated socket. */
class SocketLink implements Link {
  readonly noun = 'connection';
  readonly notTransferable =
    'a Connection from Listener.accept() or Client() is a socket of this process and cannot be sent to another process; ' +
    'pass the address (and authKey) instead and call Client() there, or use Pipe()';
  #socket: Socket;
  #transport: Transport;
  #maxMessageSize: number;
  #broken = false;

  constructor(socket: Socket, initial: Uint8Array, maxMessageSize: number) {
    this.#socket = socket;
    this.#transport = socketTransport(socket, initial);
    this.#maxMessageSize = maxMessageSize;
  }

  attach(end: LinkEnd): void {
    const max = this.#maxMessageSize;
    const reader = new FrameReader((frame) => {
      if (this.#broken) return;
      const kind = frame[0];
      if (frame.length === 0 || (kind !== 0 && kind !== 1)) this.#break(end, errors.invalidMessage('the peer sent a malformed frame; the connection was closed'));
      else end.push([kind, frame.subarray(1)]);
    }, max + 1);
    this.#transport.start(
      (chunk) => {
        if (this.#broken) return;
        try {
          reader.push(chunk);
        } catch (e) {
          const err = errors.frameTooLarge(`the peer sent a message longer than maxMessageSize (${max} bytes); the connection was closed`);
          err.cause = e;
          this.#break(end, err);
        }
      },
      () => end.peerGone(),
    );
  }

  #break(end: LinkEnd, error: Error): void {
    this.#broken = true;
    this.#socket.destroy();
    end.peerGone(error);
  }

  post([kind, payload]: Item): boolean | Promise<void> {
    const socket = this.#socket;
    if (this.#broken || socket.destroyed || !socket.writable) return false;
    if (payload.length > 0xfffffffe) throw errors.outOfRange(`a message of ${payload.length} bytes is larger than a connection can carry (4 GiB)`);
    const header = Buffer.allocUnsafe(5);
    header.writeUInt32LE(payload.length + 1, 0);
    header[4] = kind;
    return new Promise<void>((resolve, reject) => {
      const done = (e?: Error | null) => {
        if (!e) {
          resolve();
          return;
        }
        reject(errors.brokenPipe(`the connection broke while sending: ${e.message}`, { cause: e }));
      };
      // Small messages leave in one write; a large payload is not copied.
      if (payload.length < 64 * 1024) {
        socket.write(Buffer.concat([header, payload]), done);
        return;
      }
      socket.cork();
      socket.write(header);
      socket.write(payload, done);
      socket.uncork();
    });
  }

  decode(payload: Uint8Array): unknown {
    return decodeFromPeer(payload);
  }

  close(): void {
    this.#transport.close();
  }
}

function connectionOver<T>(socket: Socket, initial: Uint8Array, settings: Settings): Connection<T> {
  return new Connection<T>(new SocketLink(socket, initial, settings.maxMessageSize));
}

type Outcome = { conn: Connection<unknown> } | { error: Error };
interface Waiter {
  resolve: (c: Connection<unknown>) => void;
  reject: (e: Error) => void;
}

/** Handshake failures kept for later accept() calls; more are dropped (a flood must not grow memory). */
const MAX_QUEUED_FAILURES = 16;

/**
 * Accepts Connections from Client() calls, over TCP or a Unix socket. It keeps the process
 * alive until close(), like a net.Server. A client that fails the handshake is closed, and
 * the accept() it would have satisfied rejects with AuthenticationError (as in CPython);
 * the listener keeps serving the next accept().
 */
export class Listener {
  #server: Server;
  #requested: { host: string; port: number } | { path: string };
  #bound: Address | undefined;
  #settings: Settings;
  #outcomes: Outcome[] = [];
  #waiters: Waiter[] = [];
  #handshaking = new Set<Socket>();
  #failure: Error | undefined;
  #closed = false;
  /** Resolves once the listener is bound (with a picked port, `address` is known then); rejects if listening failed. */
  readonly ready: Promise<this>;

  constructor(options: ListenerOptions) {
    if (!options || typeof options !== 'object') throw wrongType('Listener takes { address, authKey?, backlog? }');
    this.#requested = checkAddress(options.address, 'Listener');
    this.#settings = checkOptions(options, 'Listener');
    const { backlog } = options;
    if (backlog !== undefined && (!Number.isInteger(backlog) || backlog < 0)) throw invalid(`Listener backlog must be a non-negative integer, got ${backlog}`);
    const server = (this.#server = lazyNet().createServer((socket) => this.#incoming(socket)));
    this.ready = new Promise<this>((resolve, reject) => {
      server.once('listening', () => {
        const a = server.address();
        this.#bound = a && typeof a === 'object' ? { host: a.address, port: a.port } : { ...this.#requested };
        resolve(this);
      });
      server.on('error', (e) => {
        if (this.#bound) {
          this.#settle({ error: e });
          return;
        } // an accept() failed (EMFILE): the listener goes on
        this.#failure = e;
        reject(e);
        for (const w of this.#waiters.splice(0)) w.reject(e);
      });
    });
    this.ready.catch(() => {}); // reported through accept() as well
    server.listen({ ...this.#requested, backlog });
  }

  /** Where clients connect. With port 0, known once `ready` resolved (reading it earlier throws ERR_LISTENER_NOT_READY). */
  get address(): Address {
    if (this.#bound) return { ...this.#bound };
    const r = this.#requested;
    if ('path' in r || r.port !== 0) return { ...r };
    throw errors.listenerNotReady('the listener picks its port once bound; await listener.ready before reading listener.address');
  }

  #incoming(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    this.#handshaking.add(socket);
    serverHandshake(socket, this.#settings.key, { timeout: this.#settings.timeout }).then(
      (rest) => {
        this.#handshaking.delete(socket);
        if (this.#closed) socket.destroy();
        else this.#settle({ conn: connectionOver(socket, rest, this.#settings) });
      },
      (error: Error) => {
        this.#handshaking.delete(socket);
        if (!this.#closed) this.#settle({ error });
      },
    );
  }

  #settle(outcome: Outcome): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      if ('conn' in outcome) waiter.resolve(outcome.conn);
      else waiter.reject(outcome.error);
      return;
    }
    if ('error' in outcome && this.#outcomes.filter((o) => 'error' in o).length >= MAX_QUEUED_FAILURES) {
      this.#outcomes.splice(
        this.#outcomes.findIndex((o) => 'error' in o),
        1,
      );
    }
    this.#outcomes.push(outcome);
  }

  /**
   * The next client's Connection, once it passed the handshake. Rejects with
   * AuthenticationError for a client that failed it, and with ERR_LISTENER_CLOSED when the
   * listener closes while waiting.
   */
  accept<T = unknown>(): Promise<Connection<T>> {
    if (this.#closed) throw errors.listenerClosed('the listener is closed; create a new Listener to accept connections');
    if (this.#failure) return Promise.reject(this.#failure);
    const next = this.#outcomes.shift();
    if (next) return 'conn' in next ? Promise.resolve(next.conn as Connection<T>) : Promise.reject(next.error);
    return new Promise<Connection<T>>((resolve, reject) => {
      this.#waiters.push({ resolve: resolve as (c: Connection<unknown>) => void, reject });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops listening. Connections already accepted stay open; clients not yet accepted are closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const socket of this.#handshaking) socket.destroy();
    this.#handshaking.clear();
    for (const o of this.#outcomes.splice(0)) if ('conn' in o) o.conn.close();
    const err = errors.listenerClosed('the listener was closed while accept() was waiting');
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Connects to a Listener and returns the Connection once both sides proved the same authKey
 * (AuthenticationError otherwise). Connecting and the handshake each get `handshakeTimeout`.
 * The Connection keeps the process alive until it is closed, like a socket.
 */
export function Client<T = unknown>(address: Address, options: ClientOptions = {}): Promise<Connection<T>> {
  const target = checkAddress(address, 'Client');
  const settings = checkOptions(options, 'Client');
  return new Promise<Connection<T>>((resolve, reject) => {
    const socket = lazyNet().connect(target);
    const timer = longTimeout(() => {
      socket.destroy();
      reject(errors.timeout(`could not connect to ${describe(target)} within ${settings.timeout} ms`));
    }, settings.timeout);
    const failed = (e: Error) => {
      timer.clear();
      reject(e);
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      timer.clear();
      socket.off('error', failed);
      if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
      clientHandshake(socket, settings.key, { timeout: settings.timeout }).then((rest) => resolve(connectionOver<T>(socket, rest, settings)), reject);
    });
  });
}
