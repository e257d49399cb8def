// What the hub asks of each object it serves. Objects are plain state machines run on the
// hub's event loop, so every operation is atomic; waits are hub-side (a timeout decided here
// can never race a grant), and a peer that disconnects is cleaned out of every object.
export interface Peer {
  readonly id: number;
  /** Who this is, for messages: "pid 1234". */
  readonly label: string;
  closed: boolean;
  /** Sends [PUSH, objectId, op, ...args] to this peer. */
  push(objectId: string, op: string, args: unknown[]): void;
  /**
   * Resolves once every other peer of the hub has delivered what it had made before now
   * (unbounded queue puts still batched or in flight, reports of read-ahead items taken), so
   * an answer after it reflects whatever this peer may have learned of by another path.
   */
  fence(): Promise<void>;
}

export interface Reply {
  ok(value?: unknown): void;
  fail(error: Error): void;
}

export interface HubObject {
  readonly type: string;
  /** Answers a CALL. Throwing is the same as `reply.fail`. */
  call(peer: Peer, op: string, args: unknown[], reply: Reply): void;
  /** A NOTE (no answer). */
  note?(peer: Peer, op: string, args: unknown[]): void;
  /** The peer's connection ended (its process or thread died or exited). */
  peerGone(peer: Peer): void;
  /** The object was freed: stop timers (what still waits can never be answered by anyone). */
  dispose?(): void;
}

/** Lets objects that work together (a Condition and its lock) find each other. */
export interface ObjectTable {
  get(id: string): HubObject | undefined;
}
