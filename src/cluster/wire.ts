// The bytes a cluster task and its result are made of, and their signatures. A task is
//   'MPT1' | u32 header length | header (JSON) | payload (the codec's bytes of the arguments)
// and is signed (HMAC-SHA256 with the authKey) over exactly those bytes: the worker checks the
// signature before it reads anything else, and only a checked task is decoded and run. The
// header is plain JSON with bounded sizes, checked field by field: a job written into the
// queue by anyone else is dropped without importing or running anything.
// A result is 'MPR1' | u8 kind | u16 id length | id | body [| 32-byte HMAC over all before it],
// or 'MPR2' with a f64 (LE) after the id: the ms the task ran on its machine (for stats()).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where the function lives: a module path relative to root plus an export, or self-contained source. */
export type WireFn = { p: string; e: string; n: string } | { s: string; n: string; method: boolean };

export interface TaskHeader {
  /** The job id (also the task's key in its submitter). */
  i: string;
  /** The Redis list the result goes to. */
  r: string;
  /** Mode.APPLY / MAP / STARMAP. */
  m: number;
  f: WireFn;
  /** ms the task may run on its worker. */
  t?: number;
  /** Reruns allowed after a lost worker (a stalled job runs again only while its stall count is within this). */
  k?: number;
}

export const MAX_TASK_BYTES = 512 * 1024 * 1024;
const MAX_HEADER = 1024 * 1024;
const TASK_MAGIC = Buffer.from('MPT1');
const RESULT_MAGIC = Buffer.from('MPR1');
const TIMED_RESULT_MAGIC = Buffer.from('MPR2');

export const Kind = { OK: 0, ERROR: 1, PARTIAL: 2, AUTH: 4 } as const;

export function sign(key: Uint8Array | undefined, bytes: Uint8Array): Buffer | undefined {
  return key ? createHmac('sha256', key).update(bytes).digest() : undefined;
}

export function verify(key: Uint8Array, bytes: Uint8Array, mac: Uint8Array): boolean {
  const want = createHmac('sha256', key).update(bytes).digest();
  return mac.length === want.length && timingSafeEqual(want, mac);
}

export function encodeTask(header: TaskHeader, payload: Uint8Array): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.allocUnsafe(8 + h.length + payload.length);
  TASK_MAGIC.copy(out, 0);
  out.writeUInt32LE(h.length, 4);
  h.copy(out, 8);
  out.set(payload, 8 + h.length);
  return out;
}

const ID = /^[A-Za-z0-9_.:-]{1,200}$/;
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

function checkFn(f: unknown): WireFn | undefined {
  if (!f || typeof f !== 'object') return undefined;
  const o = f as Record<string, unknown>;
  if (isStr(o.p, 4096) && isStr(o.e, 512) && typeof o.n === 'string' && o.n.length <= 512) return { p: o.p, e: o.e, n: o.n };
  if (isStr(o.s, 1024 * 1024) && typeof o.n === 'string' && o.n.length <= 512 && typeof o.method === 'boolean') return { s: o.s, n: o.n, method: o.method };
  return undefined;
}

/** The header and payload of task bytes, or a reason they are not a task. Never throws. */
export function parseTask(bytes: Uint8Array): { header: TaskHeader; payload: Uint8Array } | string {
  if (bytes.length < 8 || bytes.length > MAX_TASK_BYTES) return 'not a task (size)';
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!b.subarray(0, 4).equals(TASK_MAGIC)) return 'not a task (magic)';
  const n = b.readUInt32LE(4);
  if (n > MAX_HEADER || 8 + n > b.length) return 'not a task (header length)';
  let h: unknown;
  try {
    h = JSON.parse(b.toString('utf8', 8, 8 + n));
  } catch {
    return 'not a task (header is not JSON)';
  }
  if (!h || typeof h !== 'object' || Array.isArray(h)) return 'not a task (header)';
  const o = h as Record<string, unknown>;
  const f = checkFn(o.f);
  if (!isStr(o.i, 200) || !ID.test(o.i) || !isStr(o.r, 200) || !ID.test(o.r) || !f) return 'not a task (id, reply or function)';
  if (o.m !== 0 && o.m !== 1 && o.m !== 2) return 'not a task (mode)';
  if (o.t !== undefined && (typeof o.t !== 'number' || !(o.t >= 0) || o.t > 2 ** 31)) return 'not a task (timeout)';
  if (o.k !== undefined && (!Number.isInteger(o.k) || (o.k as number) < 0 || (o.k as number) > 1e6)) return 'not a task (retries)';
  const header: TaskHeader = { i: o.i, r: o.r, m: o.m, f };
  if (o.t !== undefined) header.t = o.t as number;
  if (o.k !== undefined) header.k = o.k as number;
  return { header, payload: b.subarray(8 + n) };
}

/** Just the reply list and id of task bytes whose signature failed (to say so to their submitter). */
export function replyOf(bytes: Uint8Array): { i: string; r: string } | undefined {
  const t = parseTask(bytes);
  return typeof t === 'string' ? undefined : { i: t.header.i, r: t.header.r };
}

export function encodeResult(kind: number, id: string, body: Uint8Array, key: Uint8Array | undefined, runMs?: number): Buffer {
  const idb = Buffer.from(id, 'utf8');
  const timed = runMs !== undefined && Number.isFinite(runMs) && runMs >= 0;
  const head = Buffer.allocUnsafe(7 + idb.length + (timed ? 8 : 0));
  (timed ? TIMED_RESULT_MAGIC : RESULT_MAGIC).copy(head, 0);
  head[4] = kind;
  head.writeUInt16LE(idb.length, 5);
  idb.copy(head, 7);
  if (timed) head.writeDoubleLE(runMs, 7 + idb.length);
  const unsigned = Buffer.concat([head, body]);
  const mac = kind === Kind.AUTH ? undefined : sign(key, unsigned);
  return mac ? Buffer.concat([unsigned, mac]) : unsigned;
}

export interface ResultRecord {
  kind: number;
  id: string;
  body: Uint8Array;
  /** ms the task ran on its machine (MPR2 records), else undefined. */
  runMs?: number;
}

/**
 * A result record, or undefined when it is malformed or (with a key) wrongly signed. AUTH
 * records carry no signature: a worker with another key cannot sign for this submitter.
 */
export function parseResult(bytes: Buffer, key: Uint8Array | undefined): ResultRecord | undefined {
  if (bytes.length < 7) return undefined;
  const magic = bytes.subarray(0, 4);
  const timed = magic.equals(TIMED_RESULT_MAGIC);
  if (!timed && !magic.equals(RESULT_MAGIC)) return undefined;
  const kind = bytes[4]!;
  if (kind > Kind.AUTH) return undefined;
  const n = bytes.readUInt16LE(5);
  const bodyAt = 7 + n + (timed ? 8 : 0);
  if (bodyAt > bytes.length) return undefined;
  const id = bytes.toString('utf8', 7, 7 + n);
  let end = bytes.length;
  if (key && kind !== Kind.AUTH) {
    if (bytes.length - 32 < bodyAt) return undefined;
    end -= 32;
    if (!verify(key, bytes.subarray(0, end), bytes.subarray(end))) return undefined;
  }
  const rec: ResultRecord = { kind, id, body: bytes.subarray(bodyAt, end) };
  if (timed) {
    const ms = bytes.readDoubleLE(7 + n);
    // A hostile or broken number is dropped, not trusted: stats only.
    if (Number.isFinite(ms) && ms >= 0 && ms < 1e12) rec.runMs = ms;
  }
  return rec;
}
