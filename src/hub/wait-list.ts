// FIFO waiters with hub-side timeouts: the order of arrival is the order of wake-up.
import type { Peer, Reply } from './hub-object.js';
import type { WireTimeout } from '../protocol/hub.js';
import { longTimeout, type LongTimer } from '../util/long-timer.js';

export interface Waiter<T> {
  peer: Peer;
  reply: Reply;
  data: T;
  timer: LongTimer | null;
}

export class WaitList<T = undefined> {
  private items: Waiter<T>[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** Queues a waiter; `onTimeout` runs (after removal) if it is still waiting when `timeout` ends. */
  add(peer: Peer, reply: Reply, data: T, timeout: WireTimeout, onTimeout: (w: Waiter<T>) => void): Waiter<T> {
    const w: Waiter<T> = { peer, reply, data, timer: null };
    if (timeout !== null) {
      w.timer = longTimeout(() => {
        if (this.remove(w)) onTimeout(w);
      }, timeout);
    }
    this.items.push(w);
    return w;
  }

  peek(): Waiter<T> | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): Waiter<T> | undefined {
    if (this.head >= this.items.length) return undefined;
    const w = this.items[this.head++]!;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (w.timer) w.timer.clear();
    return w;
  }

  remove(w: Waiter<T>): boolean {
    const i = this.items.indexOf(w, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    if (w.timer) w.timer.clear();
    return true;
  }

  /** Removes and returns every waiter of `peer` (its process is gone). */
  dropPeer(peer: Peer): Waiter<T>[] {
    const gone = this.items.slice(this.head).filter((w) => w.peer === peer);
    for (const w of gone) this.remove(w);
    return gone;
  }

  /** Removes and returns all waiters. */
  drain(): Waiter<T>[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    for (const w of all) if (w.timer) w.timer.clear();
    return all;
  }

  some(pred: (w: Waiter<T>) => boolean): boolean {
    for (let i = this.head; i < this.items.length; i++) if (pred(this.items[i]!)) return true;
    return false;
  }
}

/** Reads a timeout argument from the wire. */
export function wireTimeout(v: unknown): WireTimeout {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError('timeout must be a number of ms or null');
  return v === Infinity ? null : v;
}
