// The hub: an object server. It owns queues, locks, events, manager dicts and registered
// objects, and answers proxies over one authenticated channel per peer. A plain `new Queue()`
// lives in the creating program's hub thread; a Manager runs the same hub in its own process;
// a BaseManager with an address serves it over TCP or a Unix socket. Messages are checked
// before use and never name code: a peer can only reach types and methods served here.
import type { Server, Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { Channel, type Message } from '../channel/channel.js';
import { socketTransport } from '../channel/transport.js';
import { encode, decode } from '../codec/codec.js';
import { serverHandshake } from '../connection/auth.js';
import { errors } from '../errors.js';
import { lazyNet } from '../util/builtins.js';
import type { HubObject, Peer, Reply } from './hub-object.js';
import { H, type FromHub, type HubAddress, type ObjectRef, type ToHub } from '../protocol/hub.js';
import { createBuiltin, isBuiltinType } from './objects/index.js';
import { hasLargeItem, sendItemsRaw } from './raw-frames.js';
import { hubPortTransport } from './port-link.js';
import { RegisteredObject, construct, type TypeEntry } from './objects/registered.js';

export interface HubOptions {
  key: Uint8Array;
  /** Local hubs: a peer may create an object by attaching to an id it chose (all peers are our own tree). */
  attachCreates?: boolean;
  /** Types registered with a BaseManager, by typeid. */
  registry?: Map<string, TypeEntry>;
  /** Largest message accepted from a peer, in bytes. */
  maxMessageSize?: number;
  handshakeTimeout?: number;
  /** A peer asked the server to stop (manager shutdown). */
  onShutdown?: () => void;
}

/** How long a fence waits for a peer that does not answer its SYNC (see Peer.fence). */
const FENCE_PATIENCE_MS = 5000;

function send(channel: Channel, msg: FromHub): void {
  channel.send(msg);
}

function errorBytes(e: unknown): Uint8Array {
  try {
    return encode(e, 'error');
  } catch {
    const err = e as { name?: string; message?: string };
    return encode(new Error(`${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`), 'error');
  }
}

export class Hub {
  readonly objects = new Map<string, HubObject>();
  private readonly servers: Server[] = [];
  private readonly channels = new Set<Channel>();
  private peerCounter = 0;
  private syncCounter = 0;
  private readonly peers = new Map<Peer, { channel: Channel; syncs: Map<number, () => void> }>();
  private idCounter = 0;
  private closed = false;
  /** This hub as the source of what its peers send: references back to it may omit the key. */
  private source: { address: HubAddress; key: Uint8Array } | undefined;

  constructor(private readonly options: HubOptions) {}

  get(id: string): HubObject | undefined {
    return this.objects.get(id);
  }

  /** Starts listening; resolves with the bound address (the real port for port 0). */
  listen(address: HubAddress): Promise<HubAddress> {
    const server = lazyNet().createServer((socket) => this.accept(socket));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        // From now on an 'error' is a failed accept (EMFILE: no descriptor for the new
        // socket); the server goes on, and the client that was dropped connects again.
        server.on('error', () => {});
        const a = server.address();
        const bound = a && typeof a === 'object' ? { host: (address as { host: string }).host, port: a.port } : address;
        this.source ??= { address: bound, key: this.options.key };
        resolve(bound);
      };
      if ('path' in address) server.listen(address.path, done);
      else server.listen(address.port, address.host, done);
    });
  }

  /** Serves one already connected socket (authenticating it first). */
  accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay?.(true);
    serverHandshake(socket, this.options.key, { timeout: this.options.handshakeTimeout }).then(
      (rest) => this.serve(socket, rest),
      () => socket.destroy(),
    );
  }

  private serve(socket: Socket, rest: Buffer): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.serveChannel(new Channel(socketTransport(socket, rest), this.options.maxMessageSize));
  }

  /** Serves the thread that started this hub thread, over a port it handed over (local-hub.ts). */
  servePort(port: MessagePort): void {
    if (this.closed) {
      port.close();
      return;
    }
    this.serveChannel(new Channel(hubPortTransport(port), this.options.maxMessageSize));
  }

  private serveChannel(channel: Channel): void {
    this.channels.add(channel);
    const syncs = new Map<number, () => void>();
    const peer: Peer = {
      id: ++this.peerCounter,
      label: `peer ${this.peerCounter}`,
      closed: false,
      push: (objectId, op, args) => send(channel, [H.PUSH, objectId, op, ...args]),
      fence: () => this.fence(peer),
    };
    this.peers.set(peer, { channel, syncs });
    channel.onMessage = (msg) => {
      try {
        this.dispatch(peer, channel, msg);
      } catch {
        // A malformed message: this peer is not speaking our protocol. Others carry on.
        channel.close();
      }
    };
    channel.onClose(() => {
      peer.closed = true;
      this.channels.delete(channel);
      this.peers.delete(peer);
      for (const done of syncs.values()) done();
      syncs.clear();
      for (const obj of this.objects.values()) obj.peerGone(peer);
    });
  }

  private reply(channel: Channel, requestId: number): Reply {
    let done = false;
    return {
      ok: (value) => {
        if (!done) {
          done = true;
          // Queue items of many kilobytes go to the socket as they are (see raw-frames.ts).
          if (Array.isArray(value) && hasLargeItem(value) && sendItemsRaw(channel, requestId, value)) return;
          send(channel, [H.OK, requestId, value ?? null]);
        }
      },
      fail: (error) => {
        if (!done) {
          done = true;
          send(channel, [H.FAIL, requestId, errorBytes(error)]);
        }
      },
    };
  }

  /** See Peer.fence: a SYNC to every other peer; each answers SYNCED behind what it had made. */
  private fence(asker: Peer): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const [peer, { channel, syncs }] of this.peers) {
      if (peer === asker || peer.closed) continue;
      const id = ++this.syncCounter;
      waits.push(
        new Promise<void>((resolve) => {
          // A peer that never yields to its event loop (or never answers) cannot hold others up
          // for ever; it is waited for this long.
          const timer = setTimeout(() => {
            syncs.delete(id);
            resolve();
          }, FENCE_PATIENCE_MS);
          syncs.set(id, () => {
            clearTimeout(timer);
            resolve();
          });
        }),
      );
      send(channel, [H.SYNC, id]);
    }
    return waits.length === 0 ? Promise.resolve() : Promise.all(waits).then(() => undefined);
  }

  /** `raw` comes from a peer: its fields are checked (or only used as map keys) before use. */
  private dispatch(peer: Peer, channel: Channel, raw: Message): void {
    const msg = raw as ToHub;
    const kind = msg[0];
    if (kind === H.SYNCED) {
      const syncs = this.peers.get(peer)?.syncs;
      const done = syncs?.get(msg[1]);
      if (done) {
        syncs!.delete(msg[1]);
        done();
      }
      return;
    }
    if (kind === H.NOTE) {
      const [, objectId, op] = msg;
      const obj = this.objects.get(objectId);
      obj?.note?.(peer, String(op), msg.slice(3));
      return;
    }
    if (kind === H.ATTACH) {
      const [, objectId, type, spec] = msg;
      // An object that cannot be made (its segment is already gone: it was freed while its
      // attach was on the way) fails alone: later calls on it say ERR_NO_SUCH_OBJECT.
      try {
        this.attach(objectId, type, spec);
      } catch (e) {
        if (typeof (e as { code?: unknown }).code !== 'string') throw e;
      }
      return;
    }
    // Only a hub of this program's own tree frees on request (its objects are made by attach).
    if (kind === H.FREE) {
      const [, objectId] = msg;
      if (!this.options.attachCreates || typeof objectId !== 'string') return;
      const obj = this.objects.get(objectId);
      this.objects.delete(objectId);
      obj?.dispose?.();
      return;
    }
    const requestId: unknown = msg[1];
    if (typeof requestId !== 'number') throw new TypeError('bad request id');
    const reply = this.reply(channel, requestId);
    try {
      switch (kind) {
        case H.CALL: {
          const [, , objectId, op] = msg;
          const obj = this.objects.get(objectId);
          if (!obj) throw errors.noSuchObject(`this hub holds no object '${String(objectId)}' (it was never created here, or its server restarted)`);
          obj.call(peer, String(op), msg.slice(4), reply);
          return;
        }
        case H.CREATE: {
          const [, , typeid, spec, args] = msg;
          this.create(typeid, spec, args, reply);
          return;
        }
        case H.SHUTDOWN:
          if (!this.options.onShutdown) throw errors.invalidState('this hub cannot be shut down by a peer');
          reply.ok();
          channel.flush();
          this.options.onShutdown();
          return;
        default:
          throw new TypeError('unknown message kind');
      }
    } catch (e) {
      reply.fail(e as Error);
    }
  }

  private attach(id: unknown, type: unknown, spec: unknown): void {
    if (typeof id !== 'string' || typeof type !== 'string') throw new TypeError('bad attach');
    if (this.objects.has(id) || !this.options.attachCreates) return;
    if (!isBuiltinType(type)) throw new TypeError('bad attach type');
    this.objects.set(id, createBuiltin(type, id, spec, this, true));
  }

  private create(typeid: unknown, spec: unknown, argBytes: unknown, reply: Reply): void {
    if (typeof typeid !== 'string') throw errors.invalidMessage('typeid must be a string');
    const id = `s${++this.idCounter}`;
    const entry = this.options.registry?.get(typeid);
    if (entry) {
      if (!entry.callable) throw errors.unknownTypeid(`typeid '${typeid}' has no callable on the server; register it there with one`);
      if (!(argBytes instanceof Uint8Array)) throw errors.invalidMessage('arguments must be encoded');
      const callable = entry.callable;
      void (async () => {
        const args = await decode(argBytes, { allowModules: false, source: this.source });
        if (!Array.isArray(args)) throw errors.invalidMessage('arguments must be an array');
        reply.ok(this.wrap(typeid, await construct(callable, args), id));
      })().catch((e: unknown) => reply.fail(e as Error));
      return;
    }
    if (!isBuiltinType(typeid)) throw errors.unknownTypeid(`no type '${typeid}' is registered with this manager`);
    if (typeid === 'Condition' && !this.objects.has((spec as { lock?: string } | null)?.lock ?? '')) {
      throw errors.invalidArgValue('a manager Condition needs a lock of the same manager', { as: 'Error' });
    }
    this.objects.set(id, createBuiltin(typeid, id, spec, this));
    // The initial contents stay here; the reference that travels carries only the parameters.
    const { init: _init, ...params } = (spec && typeof spec === 'object' ? spec : {}) as Record<string, unknown>;
    reply.ok([typeid, id, params]);
  }

  /** Serves `value` as a registered object of `typeid`; returns the reference a proxy needs. */
  private wrap(typeid: string, value: unknown, id = `s${++this.idCounter}`): ObjectRef {
    const entry = this.options.registry?.get(typeid) ?? { callable: null, exposed: null, methodToTypeid: {} };
    const obj = new RegisteredObject(
      typeid,
      value,
      entry,
      (t, v) => this.wrap(t, v),
      () => this.source,
    );
    this.objects.set(id, obj);
    return [typeid, id, { exposed: obj.exposed, typeid }];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.servers) s.close();
    for (const c of [...this.channels]) c.close();
  }
}
