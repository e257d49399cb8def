// The one proxy mechanism: every Queue, Lock, Event, ..., manager dict and registered object
// is a reference to an object in a hub ([type, id, spec] plus where the hub listens). It
// travels in any message as that reference, and a process that receives it talks to the
// same hub, so the object can be handed to Process targets, Pool tasks and queue items alike.
import { registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { decode, decodingUntrusted, untrustedSource } from '../codec/codec.js';
import { errors } from '../errors.js';
import { linkTo, type HubLink, type HubTarget } from './client.js';
import { ensureLocalHub, isLocalHubAddress, localObject } from './local-hub.js';
import { programAuthKey } from '../runtime/auth-key.js';
import { watchLife, type Life } from './lifetime.js';
import { globalSingleton } from '../util/state.js';
import { addressKey, sameHubAddress, type HubAddress, type ObjectRef } from '../protocol/hub.js';
import type { OpTable, UntypedOps } from './ops.js';

interface Adoption {
  target: HubTarget;
  ref: ObjectRef;
}
let adopting: Adoption | null = null;

/** True while a proxy is being rebuilt for an existing object (constructors skip argument checks). */
export function isAdopting(): boolean {
  return adopting !== null;
}

/** Builds a proxy of class `cls` for an object that already exists in a hub. */
export function adopt<P>(cls: new () => P, target: HubTarget, ref: ObjectRef): P {
  const saved = adopting;
  adopting = { target, ref };
  try {
    return new cls();
  } finally {
    adopting = saved;
  }
}

type WireState = [address: HubAddress, key: Uint8Array | null, ref: ObjectRef, owner: string, trusted: boolean];

const proxyClasses = globalSingleton('proxyClasses', () => new Map<string, new () => HubProxy>());

/** Which proxy class revives objects of `type` ('*': types registered with a BaseManager). */
export function registerProxyType(type: string, cls: new () => HubProxy): void {
  proxyClasses.set(type, cls);
}

/** The proxy class for objects of `type`. */
export function proxyClassOf(type: string): (new () => HubProxy) | undefined {
  return proxyClasses.get(type) ?? proxyClasses.get('*');
}

/** `Ops`: the table of the object's operations (hub/ops.ts), which call() is checked against. */
export abstract class HubProxy<Ops extends OpTable = UntypedOps> {
  readonly #target: HubTarget;
  readonly #ref: ObjectRef;
  #link: HubLink | null = null;
  /** Made here (not adopted): freed when garbage, unless it travelled. */
  readonly #life: Life | null = null;

  protected constructor(type: string, spec: unknown, connectNow = true) {
    if (adopting) {
      this.#target = adopting.target;
      this.#ref = adopting.ref;
    } else {
      const { target, id } = localObject();
      this.#target = target;
      this.#ref = [type, id, spec];
      this.#life = watchLife(this);
      // Objects are made in the hub on first use here or first journey elsewhere.
      if (connectNow) this.#connect();
    }
  }

  /** The object's spec (its creation parameters). */
  protected get spec(): unknown {
    return this.#ref[2];
  }
  /** @internal */
  get hubTarget(): HubTarget {
    return this.#target;
  }
  /** @internal */
  get objectId(): string {
    return this.#ref[1];
  }
  /** @internal [type, id, spec]: what another proxy needs to adopt this object. */
  get objectRef(): ObjectRef {
    return this.#ref;
  }

  /** True when `other` lives in the same hub as this object. */
  protected sameHub(other: HubProxy): boolean {
    return addressKey(other.#target.address) === addressKey(this.#target.address);
  }

  #connect(): HubLink {
    // A link that could not connect for want of descriptors, and lost nothing, is replaced.
    if (!this.#link || (this.#link.error && this.#link.retryable)) {
      ensureLocalHub(this.#target);
      const link = linkTo(this.#target);
      this.#link = link;
      link.attach(this.#ref);
      const id = this.#ref[1];
      if (this.#life) this.#life.free = () => link.free(id);
    }
    return this.#link;
  }

  /** @internal The object now lives in a message too: it is never freed before its hub ends. */
  markTraveled(): void {
    if (this.#life) this.#life.traveled = true;
  }

  /** A segment of this object's own, unlinked when the object is freed. */
  protected ownSegment(name: string): void {
    if (this.#life) this.#life.segment = name;
  }

  protected get link(): HubLink {
    return this.#connect();
  }

  /** @internal Makes sure the hub knows this object on this process's link. */
  attachNow(): void {
    this.#connect();
  }

  protected call<K extends keyof Ops & string>(op: K, ...args: Ops[K]['args']): Promise<Ops[K]['result']> {
    return this.#connect().call(this.#ref[1], op, args) as Promise<Ops[K]['result']>;
  }

  /** A call whose answer `onAnswer` sees as it arrives, in order with the hub's other messages. */
  protected callWith<K extends keyof Ops & string>(onAnswer: (v: Ops[K]['result']) => void, op: K, ...args: Ops[K]['args']): Promise<Ops[K]['result']> {
    return this.#connect().call(this.#ref[1], op, args, onAnswer as (v: unknown) => void) as Promise<Ops[K]['result']>;
  }

  protected note(op: string, ...args: unknown[]): void {
    this.#connect().note(this.#ref[1], op, args);
  }

  /** Decodes a value the hub handed back (as it was encoded by whoever sent it). */
  protected decodeValue<T>(bytes: unknown): Promise<T> {
    if (!(bytes instanceof Uint8Array)) return Promise.reject(errors.invalidMessage('the hub answered with something that is not a value'));
    try {
      return Promise.resolve(decode(bytes, { allowModules: this.#target.trusted !== false, source: this.#target }) as T);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  [kReduce](): { type: string; state: unknown } {
    this.markTraveled();
    const t = this.#target;
    ensureLocalHub(t);
    const state: WireState = [t.address, t.key, this.#ref, t.owner, t.trusted !== false];
    return { type: 'multiproc.hub', state };
  }
}

registerSharedType('multiproc.hub', (raw) => {
  const s = raw as WireState;
  if (!Array.isArray(s) || !s[0] || typeof s[0] !== 'object' || !Array.isArray(s[2]) || typeof s[2][0] !== 'string' || typeof s[2][1] !== 'string') {
    throw errors.invalidMessage('malformed shared object in message');
  }
  const cls = proxyClassOf(s[2][0]);
  if (!cls) throw errors.invalidMessage(`unknown shared object type '${s[2][0]}'`);
  let key = s[1] instanceof Uint8Array ? s[1] : null;
  if (key === null && decodingUntrusted()) key = keyForUntrustedRef(s[0] as HubAddress);
  // A reference from an untrusted peer never makes its values trusted here.
  const target = { address: s[0], key, owner: String(s[3]), trusted: s[4] === true && !decodingUntrusted(), patient: true } as HubTarget;
  return adopt(cls, target, s[2]);
});

/**
 * A reference without a key means "use this program's key". From a peer outside the tree that
 * is only allowed when the peer itself authenticated with that key, towards the hub the
 * message came from (with the key used there), or towards this thread's own hub: otherwise the
 * peer could point us at an address of its choosing and relay our answer to the key's
 * challenge, posing as us elsewhere.
 */
function keyForUntrustedRef(address: HubAddress): Uint8Array | null {
  const source = untrustedSource() as { address?: HubAddress; key?: Uint8Array | null } | undefined;
  // A peer that authenticated with this program's own key already has it: nothing to gain.
  if (source && (!source.key || Buffer.from(source.key).equals(programAuthKey()))) return null;
  if (source?.address && sameHubAddress(source.address, address)) return source.key ?? null;
  // This thread's own hub: the key only goes to ourselves.
  if (isLocalHubAddress(address)) return null;
  throw errors.untrustedProxy(
    `a peer outside this program sent a shared object of another hub (${addressKey(address)}) without its key; refused, so this program's key is never offered to an address a peer chose. Pass the object's authKey with it, or send the data instead`,
  );
}

/** Options of waits: `block: false` means do not wait; `timeout` in ms (undefined: forever). */
export interface WaitOptions {
  block?: boolean;
  timeout?: number;
}

export function wireTimeoutOf(opts: WaitOptions | undefined, what: string): number | null {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw errors.invalidArgType(`${what} takes an options object: { block?, timeout? }`);
  if (opts?.block === false) return 0;
  return timeoutArg(opts?.timeout, what);
}

export function timeoutArg(timeout: unknown, what: string): number | null {
  if (timeout === undefined || timeout === null || timeout === Infinity) return null;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw errors.invalidArgType(`${what}: timeout must be a number of milliseconds`);
  return Math.max(0, timeout);
}

export function closedQueue(): Error {
  return errors.queueClosed('this queue handle was closed; use another handle (close() affects only this one)');
}
