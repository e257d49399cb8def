// Bookkeeping kept by the process that created a Pipe (its "home"): where each end lives now,
// which ends are closed, and messages held for an end that is on its way to another process.
// Ends send to home; home forwards to wherever the peer end is.
import { isUnder, myAddress, onAddressGone, onRoute, route } from './router.js';
import { globalSingleton } from '../runtime/state.js';

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

export function registerEnd(id: string, side: number, end: LocalEnd): void { ends.set(key(id, side), end); }
export function unregisterEnd(id: string, side: number): void { ends.delete(key(id, side)); }

function sendTo(owner: string, kind: string, fields: unknown[]): void {
  if (owner === myAddress()) handle(kind, fields);
  else route(owner, kind, fields);
}

/** From an end: deliver `item` to side `to` of pipe `id`. Returns false if it cannot arrive. */
export function deliver(home: string, id: string, to: number, item: Item): boolean {
  if (home === myAddress()) return homeDeliver(id, to, item);
  return route(home, 'd', [id, to, item[0], item[1]]);
}

function homeDeliver(id: string, to: number, item: Item): boolean {
  const rec = homes.get(id);
  if (!rec || rec.closed[to]) return false;
  const owner = rec.owner[to];
  if (owner === null) rec.held[to].push(item);
  else if (owner === myAddress()) ends.get(key(id, to))?.push(item);
  else if (!route(owner, 'v', [id, to, item[0], item[1]])) closeSide(rec, id, to);
  return true;
}

/** From an end: it is leaving this process (bound to `bound` until it arrives). */
export function notifyMoving(home: string, id: string, side: number, bound: string): void {
  if (home === myAddress()) handle('m', [id, side, bound]); else route(home, 'm', [id, side, bound]);
}
export function notifyAttached(home: string, id: string, side: number): void {
  if (home === myAddress()) handle('a', [id, side, myAddress()]); else route(home, 'a', [id, side, myAddress()]);
}
export function notifyClosed(home: string, id: string, side: number): void {
  if (home === myAddress()) handle('c', [id, side]); else route(home, 'c', [id, side]);
}

function closeSide(rec: HomeRecord, id: string, side: number): void {
  if (rec.closed[side]) return;
  rec.closed[side] = true;
  rec.held[side] = [];
  const peer = 1 - side;
  const owner = rec.owner[peer];
  if (!rec.closed[peer] && owner !== null) sendTo(owner, 'e', [id, peer]);
  if (rec.closed[peer]) homes.delete(id);
}

function handle(kind: string, f: unknown[]): void {
  const id = f[0] as string;
  const side = f[1] as number;
  if (typeof id !== 'string' || (side !== 0 && side !== 1)) return;
  switch (kind) {
    case 'd': homeDeliver(id, side, [f[2] as 0 | 1, f[3] as Uint8Array]); return;
    case 'v': ends.get(key(id, side))?.push([f[2] as 0 | 1, f[3] as Uint8Array]); return;
    case 'e': ends.get(key(id, side))?.peerGone(); return;
  }
  const rec = homes.get(id);
  if (!rec) { if (kind === 'a') sendTo(f[2] as string, 'e', [id, side]); return; }
  switch (kind) {
    case 'm': rec.owner[side] = null; rec.bound[side] = String(f[2]); return;
    case 'a': {
      const owner = String(f[2]);
      rec.owner[side] = owner;
      for (const item of rec.held[side].splice(0)) sendTo(owner, 'v', [id, side, item[0], item[1]]);
      if (rec.closed[1 - side]) sendTo(owner, 'e', [id, side]);
      return;
    }
    case 'c': closeSide(rec, id, side); return;
  }
}

onRoute(['d', 'v', 'e', 'm', 'a', 'c'], handle);
onAddressGone((gone) => {
  for (const [id, rec] of homes) {
    for (const side of [0, 1] as const) {
      const where = rec.owner[side] ?? rec.bound[side];
      if (!rec.closed[side] && where !== myAddress() && isUnder(where, gone)) closeSide(rec, id, side);
    }
  }
});
