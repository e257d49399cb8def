// Messages between a proxy's process and a hub, over one authenticated channel per process
// (and thread) and hub. Every message is a msgpack array; user values inside are codec bytes
// the hub stores and hands on without decoding them.
export const H = {
  /** proxy -> hub: [ATTACH, objectId, type, spec] make the object known (local hubs create it) */
  ATTACH: 1,
  /** proxy -> hub: [CALL, requestId, objectId, op, ...args] answered by OK or FAIL */
  CALL: 2,
  /** proxy -> hub: [NOTE, objectId, op, ...args] no answer (queue puts, lease reports) */
  NOTE: 3,
  /** proxy -> hub: [CREATE, requestId, typeid, spec, encodedArgs] a manager object; OK carries its ref */
  CREATE: 4,
  /** hub -> proxy: [OK, requestId, value] */
  OK: 5,
  /** hub -> proxy: [FAIL, requestId, encodedError] */
  FAIL: 6,
  /** hub -> proxy: [PUSH, objectId, op, ...args] unasked (a queue recalls prefetched items) */
  PUSH: 7,
  /** proxy -> hub: [SHUTDOWN, requestId] stop a manager's server */
  SHUTDOWN: 8,
  /** proxy -> hub: [FREE, objectId] an object of this program that never left its process is garbage */
  FREE: 9,
  /** hub -> proxy: [SYNC, syncId] send SYNCED after everything this link has not sent yet (puts, take reports) */
  SYNC: 10,
  /** proxy -> hub: [SYNCED, syncId] everything this link made before the SYNC arrived is ahead of this */
  SYNCED: 11,
} as const;

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
