// The hub side of an object whose state lives in shared memory (a Lock, RLock or Semaphore
// made where the addon loads): the line of waiters, the "someone waits" flag in the shared
// words that sends releasers to the hub, and the watch for holders whose process is gone.
import type { Peer, Reply } from '../hub-object.js';
import type { WireTimeout } from '../../protocol/hub.js';
import { WaitList } from '../wait-list.js';

/** How often a holder's process is looked for while someone waits. */
const CHECK_MS = 200;

export class WaitingRoom<T> {
  readonly line = new WaitList<T>();
  private timer: NodeJS.Timeout | null = null;

  /** `reap` frees what dead holders held and hands it on. */
  constructor(
    private readonly words: Int32Array,
    private readonly flag: number,
    private readonly reap: () => void,
  ) {}

  /** Raised before the hub tries to take for a newcomer: a releaser then comes here (no lost wake-up). */
  raise(): void {
    Atomics.store(this.words, this.flag, 1);
  }

  /**
   * An acquire that reached the hub: taken now if nobody is in line and `take()` succeeds
   * (answered true), refused at once for a timeout of 0, else queued with `data` until handed
   * on or timed out (answered false).
   */
  admit(peer: Peer, reply: Reply, data: T, timeout: WireTimeout, take: () => boolean): void {
    this.raise();
    if (this.line.length === 0 && take()) {
      this.settle();
      reply.ok(true);
      return;
    }
    if (timeout === 0) {
      this.settle();
      reply.ok(false);
      return;
    }
    this.line.add(peer, reply, data, timeout, (w) => {
      w.reply.ok(false);
      this.settle();
    });
    this.watch();
  }

  /** Lowers the flag once the line is empty, and stops watching. */
  settle(): void {
    if (this.line.length > 0) return;
    Atomics.store(this.words, this.flag, 0);
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** While someone waits, looks for dead holders now and then. */
  watch(): void {
    if (this.timer) return;
    this.timer = setInterval(this.reap, CHECK_MS);
    this.timer.unref();
  }

  /** The object was freed: no more watching. */
  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** A peer's connection ended: its waits go; if it held something, reap soon. */
  peerGone(peer: Peer): void {
    this.line.dropPeer(peer);
    setTimeout(this.reap, 20).unref();
    this.settle();
  }
}
