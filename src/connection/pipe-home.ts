// Bookkeeping kept by the process that created a Pipe (its "home"): where each end lives now,
// which ends are closed, and messages held for an end that is on its way to another process.
// Ends send to home; home forwards to wherever the peer end is.
import { isUnder, myAddress, onAddressGone, onRoute, route } from './router.js';
import { R, type PipeRoute, type RouteKind } from '../protocol/runtime.js';
import { globalSingleton } from '../util/state.js';

/** A message on a pipe: [isBytes, payload]. */
export type Item = [0 | 1, Uint8Array];

export interface LocalEnd {
  push(item: Item): void;
  peerGone(): void;
}

interface HomeRecord {
  /** Address of each end's owner; null while the end travels. */
  owner: [string | null, string | null];
  /** While travelling: the process whose death means the end is lost. */
  bound: [string, string];
  closed: [boolean, boolean];
  held: [Item[], Item[]];
}

const homes = globalSingleton('pipeHomes', () => new Map<string, HomeRecord>());
const ends = globalSingleton('pipeEnds', () => new Map<string, LocalEnd>());
const counter = globalSingleton('pipeCounter', () => ({ n: 0 }));

const key = (id: string, side: number) => `${id}/${side}`;

export function newPipeId(): string {
  const id = `${myAddress()}#${++counter.n}`;
  const me = myAddress();
  homes.set(id, { owner: [me, me], bound: [me, me], closed: [false, false], held: [[], []] });
  return id;
}

export function registerEnd(id: string, side: number, end: LocalEnd): void {
  ends.set(key(id, side), end);
}
export function unregisterEnd(id: string, side: number): void {
  ends.delete(key(id, side));
}

/** Sends a pipe route message to the process at `to` (handled here when that is this process). */
function sendTo(to: string, ...[kind, ...fields]: PipeRoute): void {
  if (to === myAddress()) handle(kind, fields);
  else route(to, kind, fields);
}

/** An item for side `side` of pipe `id` to the process at `to`: false when no route exists. */
function routeItem(to: string, kind: typeof R.DELIVER | typeof R.VALUE, id: string, side: 0 | 1, item: Item): boolean {
  // Its fields as they travel (PipeRoute), built once: this is every message of a Pipe.
  return route(to, kind, [id, side, item[0], item[1]]);
}

/** From an end: deliver `item` to side `to` of pipe `id`. Returns false if it cannot arrive. */
export function deliver(home: string, id: string, to: number, item: Item): boolean {
  if (home === myAddress()) return homeDeliver(id, to as 0 | 1, item);
  return routeItem(home, R.DELIVER, id, to as 0 | 1, item);
}

function homeDeliver(id: string, to: 0 | 1, item: Item): boolean {
  const rec = homes.get(id);
  if (!rec || rec.closed[to]) return false;
  const owner = rec.owner[to];
  if (owner === null) rec.held[to].push(item);
  else if (owner === myAddress()) ends.get(key(id, to))?.push(item);
  else if (!routeItem(owner, R.VALUE, id, to, item)) closeSide(rec, id, to);
  return true;
}

/** From an end: it is leaving this process (bound to `bound` until it arrives). */
// (Ends number their sides 0 and 1.)
export function notifyMoving(home: string, id: string, side: number, bound: string): void {
  sendTo(home, R.MOVING, id, side as 0 | 1, bound);
}
export function notifyAttached(home: string, id: string, side: number): void {
  sendTo(home, R.ATTACHED, id, side as 0 | 1, myAddress());
}
export function notifyClosed(home: string, id: string, side: number): void {
  sendTo(home, R.CLOSED, id, side as 0 | 1);
}

function closeSide(rec: HomeRecord, id: string, side: 0 | 1): void {
  if (rec.closed[side]) return;
  rec.closed[side] = true;
  rec.held[side] = [];
  const peer = side === 0 ? 1 : 0;
  const owner = rec.owner[peer];
  if (!rec.closed[peer] && owner !== null) sendTo(owner, R.EOF, id, peer);
  if (rec.closed[peer]) homes.delete(id);
}

/** A pipe route message that reached this process; fields from another process are checked. */
function handle(kind: RouteKind, fields: unknown[]): void {
  const [id, side, third, payload] = fields as [string, 0 | 1, unknown, unknown];
  if (typeof id !== 'string' || (side !== 0 && side !== 1)) return;
  switch (kind) {
    case R.DELIVER:
      homeDeliver(id, side, [third as 0 | 1, payload as Uint8Array]);
      return;
    case R.VALUE:
      ends.get(key(id, side))?.push([third as 0 | 1, payload as Uint8Array]);
      return;
    case R.EOF:
      ends.get(key(id, side))?.peerGone();
      return;
  }
  const rec = homes.get(id);
  if (!rec) {
    if (kind === R.ATTACHED) sendTo(third as string, R.EOF, id, side);
    return;
  }
  switch (kind) {
    case R.MOVING:
      rec.owner[side] = null;
      rec.bound[side] = String(third);
      return;
    case R.ATTACHED: {
      const owner = String(third);
      rec.owner[side] = owner;
      for (const item of rec.held[side].splice(0)) sendTo(owner, R.VALUE, id, side, item[0], item[1]);
      if (rec.closed[side === 0 ? 1 : 0]) sendTo(owner, R.EOF, id, side);
      return;
    }
    case R.CLOSED:
      closeSide(rec, id, side);
      return;
  }
}

onRoute([R.DELIVER, R.VALUE, R.EOF, R.MOVING, R.ATTACHED, R.CLOSED], handle);
onAddressGone((gone) => {
  for (const [id, rec] of homes) {
    for (const side of [0, 1] as const) {
      const where = rec.owner[side] ?? rec.bound[side];
      if (!rec.closed[side] && where !== myAddress() && isUnder(where, gone)) closeSide(rec, id, side);
    }
  }
});
