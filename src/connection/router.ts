// Tree routing between the processes of one program. Every process has an address ('' for
// the main program, '2' for its second child, '2.1' for that child's first child) and a
// channel to its parent and to each child. Connection traffic is routed hop by hop, so a
// pipe works between any two processes of the tree without new sockets. Between a process
// and a thread child the route messages take a dedicated MessagePort instead (route-port.ts).
import { workerData } from 'node:worker_threads';
import type { Channel, Message } from '../channel/channel.js';
import { M, R, ROUTE_UP, type RouteKind, type RouteMsg } from '../protocol/runtime.js';
import { globalSingleton, runtimeState } from '../util/state.js';
import { RoutePort, type Hop, type RoutePortEnd } from './route-port.js';

export type RouteHandler = (kind: RouteKind, fields: unknown[]) => void;

interface RouterState {
  parent: Hop | null;
  children: Map<string, Hop>;
  counter: number;
  /** Handlers of messages addressed to this process, by message kind. */
  local: Map<RouteKind, RouteHandler>;
  gone: ((address: string) => void)[];
}

const router = globalSingleton<RouterState>('router', () => ({ parent: null, children: new Map(), counter: 0, local: new Map(), gone: [] }));

export function myAddress(): string {
  return runtimeState().address;
}

/** A fresh address for a child of this process. */
export function childAddress(): string {
  const me = myAddress();
  const n = ++router.counter;
  return me === '' ? String(n) : `${me}.${n}`;
}

/** True when `address` is `ancestor` or below it. */
export function isUnder(address: string, ancestor: string): boolean {
  return ancestor === '' || address === ancestor || address.startsWith(`${ancestor}.`);
}

/** Delivers messages of these kinds that reach this process to `handler`. */
export function onRoute(kinds: RouteKind[], handler: RouteHandler): void {
  for (const k of kinds) router.local.set(k, handler);
}
export function onAddressGone(handler: (address: string) => void): void {
  router.gone.push(handler);
}

/** The child address on the way to `dest` ('' when the way is up, to the parent). */
function childToward(me: string, dest: string): string {
  if (me !== '' && !dest.startsWith(`${me}.`)) return '';
  const from = me === '' ? 0 : me.length + 1;
  const dot = dest.indexOf('.', from);
  return dot < 0 ? dest : dest.slice(0, dot);
}

function nextHop(dest: string): Hop | null | 'local' {
  const me = myAddress();
  if (dest === me) return 'local';
  const child = childToward(me, dest);
  return child === '' ? router.parent : (router.children.get(child) ?? null);
}

/** The channel the last route() call sent through (null: none, or delivered in this process). */
let lastHop: Hop | null = null;

/**
 * Backpressure of the channel the last route() used: null when it is under its high-water
 * mark (or nothing left this process), else a promise that resolves once it is back under.
 * Clears what it read, so a caller asks once right after routing.
 */
export function lastRoutePressure(): Promise<void> | null {
  const hop = lastHop;
  lastHop = null;
  return hop ? hop.pressure() : null;
}

/** Sends `[kind, ...fields]` to the process at `dest`. Returns false when no route exists. */
export function route(dest: string, kind: RouteKind, fields: unknown[]): boolean {
  const hop = nextHop(dest);
  if (hop === 'local') {
    router.local.get(kind)?.(kind, fields);
    return true;
  }
  if (!hop || hop.closed) return false;
  lastHop = hop;
  const msg: RouteMsg = [M.ROUTE, dest, kind];
  for (let i = 0; i < fields.length; i++) msg.push(fields[i]);
  hop.send(msg);
  return true;
}

function receive(msg: RouteMsg): void {
  const [, dest, kind, first] = msg;
  if (dest === ROUTE_UP) {
    announceGone(first as string);
    return;
  }
  if (typeof dest !== 'string' || typeof kind !== 'string') return;
  route(dest, kind, msg.slice(3));
}

/** Tells this process and its ancestors that a process (and its subtree) is gone. */
function announceGone(address: string): void {
  for (const h of router.gone) h(address);
  const up: RouteMsg = [M.ROUTE, ROUTE_UP, R.GONE, address];
  router.parent?.send(up);
}

/**
 * Joins a child's channel to the tree. Non-route messages go to `onMessage`. With `port` (a
 * thread child's route port) route messages to and from the child take the port.
 */
export function attachChannel(address: string, channel: Channel, onMessage: (msg: Message) => void, port?: RoutePortEnd): void {
  const direct = port ? new RoutePort(port, 0, (msg) => receive(msg as RouteMsg)) : null;
  router.children.set(address, direct ?? channel);
  channel.onMessage = (msg) => {
    if (msg[0] === M.ROUTE) receive(msg as RouteMsg);
    else onMessage(msg);
  };
  channel.onClose(() => {
    // What the child routed before it ended arrives before its end is announced.
    direct?.drainAndClose();
    router.children.delete(address);
    announceGone(address);
  });
}

/** In a worker: the channel to the parent. */
export function attachParent(channel: Channel, onMessage: (msg: Message) => void): void {
  const port = (workerData as { routePort?: RoutePortEnd } | null)?.routePort;
  router.parent = port ? new RoutePort(port, 1, (msg) => receive(msg as RouteMsg)) : channel;
  channel.onMessage = (msg) => {
    if (msg[0] === M.ROUTE) receive(msg as RouteMsg);
    else onMessage(msg);
  };
}
