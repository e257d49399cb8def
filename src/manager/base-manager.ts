// BaseManager: a hub in its own server process (start), reached over a Unix socket or TCP,
// or served by this process (serveForever), or reached by another program (connect).
// Proxies it hands out are ordinary shared objects: transferable into Process and Pool.
import { randomBytes } from 'node:crypto';
import { decode, encode } from '../codec/codec.js';
import { DEFAULT_MAX_FRAME } from '../channel/frames.js';
import { errors } from '../errors.js';
import { toFnRef } from '../functions/reference.js';
import { linkTo, type HubLink, type HubTarget } from '../hub/client.js';
import { H, type HubAddress, type ObjectRef } from '../protocol/hub.js';
import { adopt, proxyClassOf, type HubProxy } from '../hub/proxy.js';
import { Hub } from '../hub/server.js';
import type { TypeEntry } from '../hub/objects/registered.js';
import { childAddress } from '../connection/router.js';
import type { Address } from '../connection/listener.js';
import { programAuthKey } from '../runtime/auth-key.js';
import { M } from '../protocol/runtime.js';
import { startWorker, type WorkerHandle } from '../runtime/spawn.js';
import { getStartMethod, normalizeMethod, type StartMethodName } from '../runtime/start-method.js';
import { getLogger } from '../runtime/logging.js';
import { runtimeState } from '../util/state.js';
import { assertNotBootstrapping } from '../runtime/guards.js';
import { addRegistration, registrationsOf, type RegisterOptions } from './registry.js';
import type { RemoteProxy } from './proxies.js';

export interface ManagerOptions {
  /** Where the server listens: { host, port } (port 0 picks one) or { path }. Default: a private Unix socket. */
  address?: Address;
  /** Shared secret of server and clients (default: this program's key, which its workers inherit). */
  authKey?: Uint8Array | string;
  /** Where start() runs the server: 'process' (default) or 'thread'. */
  context?: StartMethodName;
  /**
   * Largest message accepted from the other side, in bytes (default 1 GiB): by the server from
   * each client, and by this manager's own connection from the server. A peer that announces a
   * larger one is disconnected (ERR_FRAME_TOO_LARGE) before anything is allocated for it.
   */
  maxMessageSize?: number;
  /** ms a connecting peer has to finish the authentication handshake, on both sides (default 10_000). */
  handshakeTimeout?: number;
}

type State = 'initial' | 'started' | 'connected' | 'serving' | 'shutdown';

const START_TIMEOUT_MS = 30_000;

function checkAddress(a: unknown): HubAddress | undefined {
  if (a === undefined) return undefined;
  const o = a as Record<string, unknown>;
  if (o && typeof o === 'object' && typeof o['path'] === 'string') return { path: o['path'] };
  if (o && typeof o === 'object' && typeof o['port'] === 'number' && Number.isInteger(o['port'])) {
    return { host: typeof o['host'] === 'string' ? o['host'] : '127.0.0.1', port: o['port'] };
  }
  throw errors.invalidArgValue('address must be { host, port } or { path }');
}

function checkLimits(options: ManagerOptions): { maxMessageSize?: number; handshakeTimeout?: number } {
  const { maxMessageSize, handshakeTimeout } = options;
  if (maxMessageSize !== undefined && (!Number.isInteger(maxMessageSize) || maxMessageSize < 1 || maxMessageSize > DEFAULT_MAX_FRAME)) {
    throw errors.outOfRange(`maxMessageSize must be an integer number of bytes from 1 to ${DEFAULT_MAX_FRAME} (1 GiB, the default), got ${String(maxMessageSize)}`);
  }
  // Node's timers cap at 2^31 - 1 ms (a longer one fires after 1 ms); Infinity means no limit.
  if (handshakeTimeout !== undefined && (typeof handshakeTimeout !== 'number' || !(handshakeTimeout > 0))) {
    throw errors.outOfRange(`handshakeTimeout must be a positive number of ms (or Infinity), got ${String(handshakeTimeout)}`);
  }
  return { maxMessageSize, handshakeTimeout };
}

export class BaseManager {
  #address: HubAddress | undefined;
  readonly #key: Uint8Array | null;
  readonly #method: StartMethodName | undefined;
  readonly #maxMessageSize: number | undefined;
  readonly #handshakeTimeout: number | undefined;
  #state: State = 'initial';
  #handle: WorkerHandle | null = null;
  #hub: Hub | null = null;
  #target: HubTarget | null = null;
  #served: (() => void) | null = null;

  constructor(options: ManagerOptions = {}) {
    this.#address = checkAddress(options.address);
    const k = options.authKey;
    if (k !== undefined && typeof k !== 'string' && !(k instanceof Uint8Array)) throw errors.invalidArgType('authKey must be a string or bytes');
    this.#key = k === undefined ? null : typeof k === 'string' ? new Uint8Array(Buffer.from(k)) : k;
    this.#method = options.context;
    const limits = checkLimits(options);
    this.#maxMessageSize = limits.maxMessageSize;
    this.#handshakeTimeout = limits.handshakeTimeout;
  }

  /**
   * Registers a type the manager can create: `MyManager.register('Maths', Maths)`. The class
   * or factory must be exported (the server process imports it). Adds `manager.Maths(...)`.
   */
  static register(typeid: string, callable?: ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown), options: RegisterOptions = {}): void {
    addRegistration(this, typeid, callable, options);
    if (options.create !== false && !(typeid in this.prototype)) {
      Object.defineProperty(this.prototype, typeid, {
        value(this: BaseManager, ...args: unknown[]) {
          return this.create(typeid, ...args);
        },
        configurable: true,
        writable: true,
      });
    }
  }

  /** Where the server listens (known after start(), connect() or serveForever()). */
  get address(): HubAddress | undefined {
    return this.#address;
  }

  #keyBytes(): Uint8Array {
    return this.#key ?? programAuthKey();
  }

  /** The limits given to the constructor, for both ends of every connection. */
  #limits(): { maxMessageSize?: number; handshakeTimeout?: number } {
    return { maxMessageSize: this.#maxMessageSize, handshakeTimeout: this.#handshakeTimeout };
  }

  #registry(resolveRefs: boolean): { typeid: string; callable: unknown; exposed: string[] | null; methodToTypeid: Record<string, string> }[] {
    return [...registrationsOf(this.constructor).values()].map((r) => ({
      typeid: r.typeid,
      exposed: r.exposed,
      methodToTypeid: r.methodToTypeid,
      callable: r.callable && resolveRefs ? toFnRef(r.callable, `callable of '${r.typeid}'`) : r.callable,
    }));
  }

  #checkInitial(what: string): void {
    if (this.#state !== 'initial') throw errors.managerState(`${what}: this manager was already started, connected or shut down; create a new one`);
  }

  /** The server's process id once start() has run (this process's own for context 'thread'); else undefined. */
  get pid(): number | undefined {
    return this.#handle && this.#handle.pid > 0 ? this.#handle.pid : undefined;
  }

  /** Starts the server in its own process (or thread with context 'thread'). */
  async start(): Promise<void> {
    this.#checkInitial('start()');
    assertNotBootstrapping('Manager');
    const state = runtimeState();
    if (state.daemon)
      throw errors.daemonChildren(`${state.name} is a daemon process and cannot start a manager's server; start the manager in the main program and pass its proxies`);
    const registry = this.#registry(true);
    const address = this.#address ?? { path: `\0multiproc-manager-${process.pid}-${randomBytes(8).toString('hex')}` };
    const method = this.#method ? normalizeMethod(this.#method) : getStartMethod();
    this.#state = 'started';
    const handle = startWorker(method, {
      role: 'manager',
      name: 'SyncManager-' + ++state.childCounter,
      identity: [...state.identity, state.childCounter],
      daemon: true,
      address: childAddress(),
      parent: { pid: process.pid, name: state.name },
      log: { level: getLogger().level, toStderr: getLogger().toStderr },
      tsxApi: state.tsxApi,
      startMethod: method,
      manager: { address, key: this.#keyBytes(), registry, maxMessageSize: this.#maxMessageSize, handshakeTimeout: this.#handshakeTimeout },
    });
    this.#handle = handle;
    const bound = await new Promise<HubAddress>((resolve, reject) => {
      const timer = setTimeout(() => reject(errors.managerStart('the manager server did not start in time')), START_TIMEOUT_MS);
      handle.channel.onMessage = (msg) => {
        if (msg[0] === M.READY) {
          clearTimeout(timer);
          resolve(msg[1] as HubAddress);
        }
        if (msg[0] === M.INIT_FAILED) {
          clearTimeout(timer);
          Promise.resolve(decode(msg[1] as Uint8Array)).then((e) => reject(e as Error), reject);
        }
      };
      void handle.exited.then((info) => {
        clearTimeout(timer);
        reject(info.startError ?? errors.managerStart(`the manager server exited during start (exit code ${info.exitCode})`));
      });
    });
    // The server lives while this program does, and never keeps it alive by itself.
    handle.unref();
    this.#address = bound;
    this.#target = { address: bound, key: this.#key, owner: 'the manager', trusted: true, patient: false, ...this.#limits() };
  }

  /** Connects to a server another program started at `address`. */
  async connect(): Promise<void> {
    this.#checkInitial('connect()');
    if (!this.#address) throw errors.invalidArgValue('connect() needs the server address: new MyManager({ address, authKey })', { as: 'Error' });
    const target: HubTarget = { address: this.#address, key: this.#key, owner: `the manager at ${JSON.stringify(this.#address)}`, trusted: false, ...this.#limits() };
    // One round trip proves the key (AuthenticationError otherwise).
    await linkTo(target, true)
      .request(H.CALL, ['', 'ping'])
      .catch((e: { code?: string }) => {
        if (e.code === errors.noSuchObject.code) return;
        throw e;
      });
    this.#state = 'connected';
    this.#target = target;
  }

  /** Serves from this process until a client (or this program) calls shutdown(). */
  async serveForever(): Promise<void> {
    this.#checkInitial('serveForever()');
    if (!this.#address) throw errors.invalidArgValue('serveForever() needs an address to listen on: new MyManager({ address, authKey })', { as: 'Error' });
    const registry = new Map<string, TypeEntry>();
    for (const r of this.#registry(false)) registry.set(r.typeid, { callable: r.callable as TypeEntry['callable'], exposed: r.exposed, methodToTypeid: r.methodToTypeid });
    this.#state = 'serving';
    const done = new Promise<void>((resolve) => {
      this.#served = resolve;
    });
    const hub = new Hub({ key: this.#keyBytes(), registry, ...this.#limits(), onShutdown: () => void this.shutdown() });
    this.#hub = hub;
    this.#address = await hub.listen(this.#address);
    this.#target = { address: this.#address, key: this.#key, owner: 'the manager', trusted: true, ...this.#limits() };
    return done;
  }

  #link(): HubLink {
    if (!this.#target || this.#state === 'shutdown') {
      throw errors.managerNotRunning(this.#state === 'shutdown' ? 'the manager was shut down' : 'call start() or connect() first (or use `await Manager()`)');
    }
    return linkTo(this.#target);
  }

  /** @internal Creates a built-in object in the server. */
  async createBuiltin<P>(typeid: string, spec: Record<string, unknown>): Promise<P> {
    const ref = (await this.#link().request(H.CREATE, [typeid, spec, null])) as ObjectRef;
    return adopt(proxyClassOf(ref[0])!, this.#target!, ref) as P;
  }

  /** Creates an object of a registered type in the server and returns its proxy. */
  async create<T = unknown>(typeid: string, ...args: unknown[]): Promise<RemoteProxy<T>> {
    const link = this.#link();
    const argBytes = encode(args, `${typeid}() arguments`);
    const ref = (await link.request(H.CREATE, [typeid, {}, argBytes])) as ObjectRef;
    return adopt(proxyClassOf('*')!, this.#target!, ref) as unknown as RemoteProxy<T>;
  }

  /** Stops the server; live proxies then reject with ERR_HUB_CLOSED. Safe to call twice. */
  async shutdown(): Promise<void> {
    const prev = this.#state;
    if (prev === 'shutdown' || prev === 'initial') {
      this.#state = 'shutdown';
      return;
    }
    this.#state = 'shutdown';
    if (prev === 'serving') {
      this.#hub?.close();
      this.#served?.();
      return;
    }
    // A client does not stop the server (as in CPython); its connection is shared with every
    // other handle of this process to that server, so it stays open too.
    if (prev === 'connected') return;
    const handle = this.#handle!;
    if (!handle.exit) {
      handle.channel.send([M.STOP]);
      const killer = setTimeout(() => handle.stop('SIGKILL'), 5000);
      await handle.exited;
      clearTimeout(killer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

export type { HubProxy };
