// The proxy side: one authenticated channel from this thread to each hub it uses, opened on
// first use. Requests are answered in any order (ids); when the hub goes away, everything
// pending rejects with ERR_HUB_CLOSED. The socket keeps the program alive only while a
// request waits for its answer.
import type { Socket } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import { Channel, type Message } from '../channel/channel.js';
import { socketTransport, type Transport } from '../channel/transport.js';
import { decode } from '../codec/codec.js';
import { clientHandshake } from '../connection/auth.js';
import { AuthenticationError, errors } from '../errors.js';
import { programAuthKey } from '../runtime/auth-key.js';
import { lazyNet } from '../util/builtins.js';
import { onBeforeExit } from '../runtime/exit-hooks.js';
import { globalSingleton } from '../util/state.js';
import { RAW_MIN_BYTES, RawCopyBlocks, rawBufferBytes, sendNoteRaw } from './raw-frames.js';
import { takeLocalHubPort } from './local-hub.js';
import { hubPortTransport } from './port-link.js';
import { H, addressKey, type FromHub, type HubAddress, type ObjectRef, type RequestFields, type RequestKind, type RequestMsg, type ToHub } from '../protocol/hub.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onAnswer?: ((v: unknown) => void) | undefined };
export type PushHandler = (op: string, args: unknown[]) => void;

export interface HubTarget {
  address: HubAddress;
  /** null: the program's own key. */
  key: Uint8Array | null;
  /** What serves it, for error messages: "the program that created it", "the manager". */
  owner: string;
  /** Its hub may still be starting (a hub thread): keep retrying a refused connect for a while. */
  patient?: boolean;
  /** Values from it may name modules to import (false for a manager reached over the network). */
  trusted?: boolean;
  /** Largest message accepted from the hub, in bytes (default 1 GiB). */
  maxMessageSize?: number;
  /** ms allowed for the handshake (default 10_000). */
  handshakeTimeout?: number;
}

/** The hub may still be starting (a hub thread, a manager process): retry refused connects this long. */
const CONNECT_PATIENCE_MS = 10_000;
/**
 * Errors that say this process (or the hub's) is short of descriptors or memory right now,
 * not that the hub is gone: a connect failing so is retried this long, with backoff.
 */
const SHORTAGE_PATIENCE_MS = 30_000;
/** The patience above; MULTIPROC_HUB_SHORTAGE_PATIENCE_MS changes it (tests of giving up use 2 s). */
function shortagePatienceMs(): number {
  const ms = Number(process.env['MULTIPROC_HUB_SHORTAGE_PATIENCE_MS']);
  return Number.isFinite(ms) && ms >= 0 ? ms : SHORTAGE_PATIENCE_MS;
}
const SHORTAGE_CODES = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EAGAIN']);

/**
 * A connect that failed for want of resources: this socket's errno, or one of this program's
 * own hubs (a hub thread, a manager it started) that accepted and dropped us without a word
 * (its accept hit EMFILE). A server elsewhere that does so is not waited for.
 */
function isShortage(e: unknown, target: HubTarget): boolean {
  const err = e as { code?: string; closedByPeer?: boolean } | null;
  return SHORTAGE_CODES.has(err?.code ?? '') || (err?.closedByPeer === true && target.trusted !== false);
}
/** Puts closer together than this count as a burst and are batched. */
const PUT_BURST_MS = 0.5;

export class HubLink {
  private channel: Channel | null = null;
  /** What carries the channel: a socket, or the port to this thread's own hub thread. */
  private socket: { ref(): void; unref(): void; destroy(): void } | null = null;
  private queued: ToHub[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly attached = new Set<string>();
  /** Who listens for the hub's word about an object: every handle of it in this thread. */
  private readonly pushHandlers = new Map<string, Set<PushHandler>>();
  private nextId = 0;
  private refd = false;
  error: Error | null = null;
  /**
   * It failed before it ever connected, for want of resources, and dropped nothing it had
   * accepted: the next use makes a new link (linkTo) instead of failing for good.
   */
  retryable = false;
  /** Queue items accepted here (their put() resolved) that could not be delivered. */
  lostPuts = 0;

  constructor(readonly target: HubTarget) {
    void this.connect();
  }

  private async connect(): Promise<void> {
    // This thread's own hub thread: over the port it was started with, when that is still free.
    // The port keeps the program alive meanwhile as a socket would, while requests wait.
    const local = takeLocalHubPort(this.target);
    if (local) {
      const port = local.port;
      this.socket = { ref: () => port.ref(), unref: () => port.unref(), destroy: () => port.close() };
      this.updateRef(true);
      const serves = await local.ready;
      if (this.error) return;
      if (serves) {
        this.attachTransport(hubPortTransport(port));
        return;
      }
      // Its start failed (the port is closed): the socket, once the thread starts again.
      this.socket = null;
    }
    const started = Date.now();
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      try {
        const socket = await this.open();
        const rest = await clientHandshake(socket, this.target.key ?? programAuthKey(), { timeout: this.target.handshakeTimeout });
        this.attachTransport(socketTransport(socket, rest));
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        const elapsed = Date.now() - started;
        const starting = this.target.patient === true && (code === 'ECONNREFUSED' || code === 'ENOENT') && elapsed < CONNECT_PATIENCE_MS;
        const short = isShortage(e, this.target) && elapsed < shortagePatienceMs();
        if (!starting && !short) {
          this.fail(e as Error);
          return;
        }
        this.socket?.destroy();
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const a = this.target.address;
      const net = lazyNet();
      const socket = 'path' in a ? net.connect(a.path) : net.connect(a.port, a.host);
      this.socket = socket;
      this.netSocket = socket;
      this.updateRef();
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay?.(true);
        resolve(socket);
      });
    });
  }

  private attachTransport(transport: Transport): void {
    const channel = new Channel(transport, this.target.maxMessageSize);
    this.channel = channel;
    channel.onMessage = (msg) => this.receive(msg);
    channel.onClose((e) => this.fail(e ?? new Error('connection closed')));
    for (const m of this.queued.splice(0)) channel.send(m);
    // Listening may have ref'd the handle (a port does): set it as pending requests say.
    this.updateRef(true);
    this.connected?.resolve();
  }

  private receive(raw: Message): void {
    const msg = raw as FromHub;
    if (msg[0] === H.PUSH) {
      const [, objectId, op] = msg;
      const handlers = this.pushHandlers.get(objectId);
      if (handlers) for (const h of [...handlers]) h(op, msg.slice(3));
      return;
    }
    // The hub fences (a qsize/empty/full elsewhere): what this link holds back goes first (post flushes it).
    if (msg[0] === H.SYNC) {
      if (!this.error) this.post([H.SYNCED, msg[1]]);
      return;
    }
    const [kind, requestId, answer] = msg;
    const p = this.pending.get(requestId);
    if (!p) return;
    this.pending.delete(requestId);
    this.updateRef();
    // onAnswer runs now, in message order: a queue files read-ahead items before a later recall.
    if (kind === H.OK) {
      p.onAnswer?.(answer);
      p.resolve(answer);
      return;
    }
    let err: unknown;
    try {
      err = decode(answer as Uint8Array, { allowModules: this.target.trusted !== false, source: this.target });
    } catch (e) {
      err = e;
    }
    Promise.resolve(err).then(
      (e) => p.reject(e as Error),
      (e: unknown) => p.reject(e as Error),
    );
  }

  private fail(cause: Error): void {
    if (this.error) return;
    const connected = this.channel !== null;
    const short = !connected && isShortage(cause, this.target);
    // Items whose put() resolved and that never left: said in every later error, never silent.
    this.lostPuts = (this.puts?.items.length ?? 0) + this.queued.reduce((n, m) => n + (m[0] === H.NOTE && m[2] === 'put' ? m.length - 3 : 0), 0);
    this.puts = null;
    const lost = this.lostPuts > 0 ? `; ${this.lostPuts} queue item(s) put through it (their put() had resolved) were not delivered` : '';
    // Never connected for want of descriptors: say so with the errno, not as a closed hub or
    // a refused key. A refused handshake stays an AuthenticationError; else the hub is gone.
    this.error = short
      ? errors.hubUnreachable(
          `could not connect to ${this.target.owner} (${cause.message}) after retrying for ${shortagePatienceMs() / 1000} s: ` +
            `this process or the hub's has no free file descriptors (raise ulimit -n, or hold fewer open)${lost}`,
          { cause },
        )
      : cause instanceof AuthenticationError && !lost
        ? cause
        : errors.hubClosed(`the connection to ${this.target.owner} is closed (${cause.message}); objects it served are gone${lost}`, { cause });
    this.retryable = short && this.lostPuts === 0;
    for (const p of this.pending.values()) p.reject(this.error);
    this.pending.clear();
    this.connected?.reject(this.error);
    this.queued = [];
    this.socket?.destroy();
    this.updateRef();
  }

  private updateRef(force = false): void {
    const want = this.pending.size > 0 || (this.channel === null && this.queued.length > 0 && !this.error);
    if (!force && want === this.refd && this.socket) return;
    this.refd = want;
    if (want) this.socket?.ref();
    else this.socket?.unref();
  }

  private post(msg: ToHub): void {
    if (this.error) throw this.error;
    // Batched notes go first: the hub sees this link's messages in the order they were made.
    if (this.puts) this.flushPuts();
    if (this.taken.size > 0) this.flushTaken();
    this.postNow(msg);
  }

  /** Read-ahead items handed out, per queue, not yet reported (see hub/objects/queue.ts). */
  private readonly taken = new Map<string, number>();

  /** Reports `n` read-ahead items of a queue as handed out: batched, but before anything else this link sends. */
  noteTaken(objectId: string, n: number): void {
    if (this.error || n <= 0) return;
    if (this.taken.size === 0) setImmediate(() => this.flushTaken());
    this.taken.set(objectId, (this.taken.get(objectId) ?? 0) + n);
  }

  private flushTaken(): void {
    if (this.taken.size === 0) return;
    const all = [...this.taken];
    this.taken.clear();
    if (!this.error) for (const [id, n] of all) this.postNow([H.NOTE, id, 'took', n]);
  }

  private postNow(msg: ToHub): void {
    if (this.channel) this.channel.send(msg);
    else {
      this.queued.push(msg);
      this.updateRef();
    }
  }

  private puts: { id: string; items: Uint8Array[]; bytes: number } | null = null;
  private lastPutFlush = 0;

  /** Resolves once the link is connected (rejects with its error): see notePut. */
  private connected: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | null = null;
  private whenConnected(): Promise<void> {
    if (!this.connected) {
      let resolve!: () => void, reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.connected = { promise, resolve, reject };
    }
    return this.connected.promise;
  }

  /**
   * An unbounded queue's put. A producer that puts again soon after the last batch left gets
   * its items batched until its task yields (or 64 KiB), one message for many puts; an
   * occasional put leaves at once, as any message does. Returns null when the caller may go
   * on at once; a promise while the link is still connecting (the hub must know this process
   * before its put counts as made: see Peer.fence) or while its channel is past its
   * high-water mark (backpressure: a streaming producer waits for the bytes to leave).
   */
  notePut(objectId: string, item: Uint8Array): Promise<void> | null {
    if (this.error) throw this.error;
    // A large item leaves alone and at once, its envelope built around it (see raw-frames.ts);
    // what this link holds back goes first.
    if (item.length >= RAW_MIN_BYTES && this.channel) {
      if (this.puts) this.flushPuts();
      if (this.taken.size > 0) this.flushTaken();
      if (!sendNoteRaw(this.channel, objectId, 'put', [item])) this.channel.send([H.NOTE, objectId, 'put', item]);
      this.lastPutFlush = performance.now();
      return this.channel.pressure();
    }
    if (this.puts && this.puts.id !== objectId) this.flushPuts();
    if (!this.puts) {
      this.puts = { id: objectId, items: [], bytes: 0 };
      if (performance.now() - this.lastPutFlush < PUT_BURST_MS) setImmediate(() => this.flushPuts());
      else queueMicrotask(() => this.flushPuts());
    }
    this.puts.items.push(item);
    this.puts.bytes += item.length;
    if (this.puts.bytes >= 64 * 1024) this.flushPuts();
    if (!this.channel) return this.whenConnected();
    return this.channel.pressure();
  }

  /**
   * notePut of a large plain Buffer (raw-frames.ts largeBuffer). Over a socket its codec bytes
   * are copied into a block of memory this link reuses (RawCopyBlocks) instead of a fresh 64 KiB
   * allocation per item, whose page faults cost more than the copy; otherwise as notePut.
   */
  notePutBuffer(objectId: string, item: Buffer): Promise<void> | null {
    if (this.error) throw this.error;
    const channel = this.channel;
    const socket = this.netSocket;
    if (!channel || !socket || !RawCopyBlocks.takes(item)) return this.notePut(objectId, rawBufferBytes(item)!);
    if (this.puts) this.flushPuts();
    if (this.taken.size > 0) this.flushTaken();
    const bytes = this.blocks.copy(socket, item);
    if (!sendNoteRaw(channel, objectId, 'put', [bytes])) channel.send([H.NOTE, objectId, 'put', bytes]);
    this.lastPutFlush = performance.now();
    return channel.pressure();
  }

  private netSocket: Socket | null = null;
  private readonly blocks = new RawCopyBlocks();

  private flushPuts(): void {
    const batch = this.puts;
    if (!batch) return;
    this.puts = null;
    this.lastPutFlush = performance.now();
    if (!this.error) this.postNow([H.NOTE, batch.id, 'put', ...batch.items]);
  }

  /** Makes the object known to the hub on this link (once per link). */
  attach(ref: ObjectRef): void {
    // A dead link: the request that follows rejects with the reason.
    if (this.attached.has(ref[1]) || this.error) return;
    this.attached.add(ref[1]);
    this.post([H.ATTACH, ref[1], ref[0], ref[2]]);
  }

  request<K extends RequestKind>(kind: K, fields: RequestFields<K>, onAnswer?: (v: unknown) => void): Promise<unknown> {
    if (this.error) return Promise.reject(this.error);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onAnswer });
      // The id goes second: [kind, id, ...fields] is the request of that kind (RequestFields).
      this.post([kind, id, ...fields] as unknown as RequestMsg);
      this.updateRef();
    });
  }

  /** `onAnswer` (optional) sees a successful answer synchronously, as it arrives. */
  call(objectId: string, op: string, args: unknown[], onAnswer?: (v: unknown) => void): Promise<unknown> {
    return this.request(H.CALL, [objectId, op, ...args], onAnswer);
  }

  /** The object is garbage here and never left this process: the hub may forget it. */
  free(objectId: string): void {
    this.pushHandlers.delete(objectId);
    if (this.error || !this.attached.delete(objectId)) return;
    this.post([H.FREE, objectId]);
  }

  note(objectId: string, op: string, args: unknown[]): void {
    this.post([H.NOTE, objectId, op, ...args]);
  }

  onPush(objectId: string, handler: PushHandler): void {
    let set = this.pushHandlers.get(objectId);
    if (!set) {
      set = new Set();
      this.pushHandlers.set(objectId, set);
    }
    set.add(handler);
  }

  offPush(objectId: string, handler: PushHandler): void {
    const set = this.pushHandlers.get(objectId);
    if (set?.delete(handler) && set.size === 0) this.pushHandlers.delete(objectId);
  }

  /** @internal A link replacing this failed one takes over who listens for pushes. */
  handOver(next: HubLink): void {
    for (const [id, set] of this.pushHandlers) for (const h of set) next.onPush(id, h);
  }

  /** Queue items accepted here that have not reached the hub and never will (at exit). */
  undeliveredPuts(): number {
    if (this.error) return this.lostPuts;
    if (this.channel) return 0;
    return (this.puts?.items.length ?? 0) + this.queued.reduce((n, m) => n + (m[0] === H.NOTE && m[2] === 'put' ? m.length - 3 : 0), 0);
  }

  /** Resolves once everything sent so far has left this process. */
  async drain(): Promise<void> {
    if (this.error) return;
    this.flushTaken();
    this.flushPuts();
    if (!this.channel && this.queued.length > 0) {
      // Still connecting: wait (bounded by the exit hook) until the queue is handed over.
      await new Promise<void>((r) => {
        const t = setInterval(() => {
          if (this.channel || this.error) {
            clearInterval(t);
            r();
          }
        }, 2);
      });
    }
    await this.channel?.drain();
  }
}

const links = globalSingleton('hubLinks', () => new Map<string, HubLink>());

/**
 * The link from this thread to the hub at `target` (opened on first use). `fresh`: replace a
 * link that failed (a new connect() to a server that may have restarted, or a new key).
 */
export function linkTo(target: HubTarget, fresh = false): HubLink {
  // Limits are part of the key: a manager given its own maxMessageSize gets its own connection.
  const key = `${addressKey(target.address)}|${target.key ? Buffer.from(target.key).toString('hex') : ''}|${target.maxMessageSize ?? ''}|${target.handshakeTimeout ?? ''}`;
  let link = links.get(key);
  if (!link || (link.error && (fresh || link.retryable))) {
    // A link that failed stays: later calls reject at once instead of reconnecting to a dead
    // hub. One that never connected for want of descriptors, and lost nothing, is retried.
    const old = link;
    link = new HubLink(target);
    old?.handOver(link);
    links.set(key, link);
  }
  return link;
}

// Queue items that never left are said at exit too (a producer that ends has no later call
// to fail). Once per thread, however many copies of the library it loaded.
globalSingleton('hubLinksExitReport', () =>
  process.on('exit', () => {
    for (const link of links.values()) {
      const waiting = link.undeliveredPuts();
      if (waiting > 0)
        process.stderr.write(
          `multiproc: ${waiting} queue item(s) put in this ${isMainThread ? 'process' : 'thread'} were never delivered to ${link.target.owner}: ${link.error?.message ?? 'it could not be reached before exit'}\n`,
        );
    }
  }),
);

onBeforeExit(async () => {
  await Promise.all([...links.values()].map((l) => l.drain()));
});
