// Messages between a proxy's process and a hub, over one authenticated channel per process
// (and thread) and hub. Every message is a msgpack array whose first element is its kind (H),
// declared below as a labeled tuple per kind and a union per direction (types only). User
// values inside are codec bytes the hub stores and hands on without decoding them. What a
// hub receives comes from a peer: the tuples say what a well-behaved peer sends, and the hub
// still checks each field before use.
export const H = {
  /** proxy -> hub: AttachMsg, make the object known (local hubs create it) */
  ATTACH: 1,
  /** proxy -> hub: CallMsg, answered by OK or FAIL */
  CALL: 2,
  /** proxy -> hub: NoteMsg, no answer (queue puts, lease reports) */
  NOTE: 3,
  /** proxy -> hub: CreateMsg, a manager object; OK carries its ObjectRef */
  CREATE: 4,
  /** hub -> proxy: OkMsg */
  OK: 5,
  /** hub -> proxy: FailMsg */
  FAIL: 6,
  /** hub -> proxy: PushMsg, unasked (a queue recalls prefetched items) */
  PUSH: 7,
  /** proxy -> hub: ShutdownMsg, stop a manager's server */
  SHUTDOWN: 8,
  /** proxy -> hub: FreeMsg, an object of this program that never left its process is garbage */
  FREE: 9,
  /** hub -> proxy: SyncMsg, send SYNCED after everything this link has not sent yet (puts, take reports) */
  SYNC: 10,
  /** proxy -> hub: SyncedMsg, everything this link made before the SYNC arrived is ahead of this */
  SYNCED: 11,
} as const;

export type AttachMsg = [kind: typeof H.ATTACH, objectId: string, type: string, spec: unknown];
export type CallMsg = [kind: typeof H.CALL, requestId: number, objectId: string, op: string, ...args: unknown[]];
export type NoteMsg = [kind: typeof H.NOTE, objectId: string, op: string, ...args: unknown[]];
/** `args`: codec bytes of the constructor's arguments (registered types), or null. */
export type CreateMsg = [kind: typeof H.CREATE, requestId: number, typeid: string, spec: unknown, args: Uint8Array | null];
export type ShutdownMsg = [kind: typeof H.SHUTDOWN, requestId: number];
export type FreeMsg = [kind: typeof H.FREE, objectId: string];
export type SyncedMsg = [kind: typeof H.SYNCED, syncId: number];
export type OkMsg = [kind: typeof H.OK, requestId: number, value: unknown];
/** `error`: codec bytes of the error. */
export type FailMsg = [kind: typeof H.FAIL, requestId: number, error: Uint8Array];
export type PushMsg = [kind: typeof H.PUSH, objectId: string, op: string, ...args: unknown[]];
export type SyncMsg = [kind: typeof H.SYNC, syncId: number];

/** Messages that are answered (OK or FAIL, by request id). */
export type RequestMsg = CallMsg | CreateMsg | ShutdownMsg;
export type RequestKind = RequestMsg[0];
/** The fields of a request after its kind and request id. */
export type RequestFields<K extends RequestKind> = Extract<RequestMsg, [K, ...unknown[]]> extends [unknown, unknown, ...infer F] ? F : never;
/** What a proxy sends, and what a hub sends back. */
export type ToHub = AttachMsg | NoteMsg | RequestMsg | FreeMsg | SyncedMsg;
export type FromHub = OkMsg | FailMsg | PushMsg | SyncMsg;

/** What a proxy needs to reach its object: [type, objectId, spec]. */
export type ObjectRef = [type: string, id: string, spec: unknown];

/** A hub's socket address: a Unix path (Linux abstract names start with '\0') or TCP. */
export type HubAddress = { path: string } | { host: string; port: number };

const LOCAL_HOSTS = new Set(['', '0.0.0.0', '::', '127.0.0.1', '::1', 'localhost']);

/** Whether two addresses reach the same hub (a TCP listener on all interfaces is its loopback too). */
export function sameHubAddress(a: HubAddress, b: HubAddress): boolean {
  if ('path' in a || 'path' in b) return 'path' in a && 'path' in b && a.path === b.path;
  return a.port === b.port && (a.host === b.host || (LOCAL_HOSTS.has(a.host) && LOCAL_HOSTS.has(b.host)));
}

export function addressKey(a: HubAddress): string {
  return 'path' in a ? `unix:${a.path}` : `tcp:${a.host}:${a.port}`;
}

/** Timeouts travel as ms, with null for "wait forever" (msgpack has no Infinity-free undefined). */
export type WireTimeout = number | null;
