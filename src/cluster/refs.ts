// Module references across machines. Locally a function or class travels as a file URL; on
// another machine that path means nothing, so the cluster sends it relative to `root`
// (`mproot:dir/file.js`) and each side maps it back under its own root. A worker never
// resolves a path that leaves its root. Class references sit in the codec's manifest (a
// msgpack extension at the head of the bytes): those are rewritten in the bytes here.
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Packr } from 'msgpackr';
import { errors } from '../errors.js';
import { displayPath, type FnRef } from '../functions/reference.js';
import type { ClassRef } from '../codec/classes.js';
import type { Prepared } from '../codec/codec.js';
import type { WireFn } from './wire.js';

const SCHEME = 'mproot:';
const EXT_MANIFEST = 0x14;
const plain = new Packr({ useRecords: false, mapsAsObjects: true });

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}
const roots = new Map<string, string>();
function canonical(root: string): string {
  let r = roots.get(root);
  if (r === undefined) {
    r = realRoot(root);
    roots.set(root, r);
  }
  return r;
}

/** `file:` URL -> path relative to root, or undefined when it is outside. */
export function relativeToRoot(url: string, root: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  let file: string;
  try {
    file = realRoot(fileURLToPath(url));
  } catch {
    return undefined;
  }
  const rel = path.relative(canonical(root), file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** underRoot's answers: a worker's pool process maps the same few paths for every task. */
const mapped = new Map<string, string>();

/** A relative path -> file URL under root; throws when it would leave root. */
export function underRoot(rel: string, root: string): string {
  const key = `${root}\0${rel}`;
  const hit = mapped.get(key);
  if (hit !== undefined) return hit;
  const url = underRootUncached(rel, root);
  if (mapped.size >= 1000) mapped.clear();
  mapped.set(key, url);
  return url;
}

function underRootUncached(rel: string, root: string): string {
  const base = canonical(root);
  const file = path.resolve(base, rel);
  const back = path.relative(base, file);
  if (!back || back.startsWith('..') || path.isAbsolute(back) || rel.includes('\0')) {
    throw errors.notTransferable(`module path '${rel}' is outside this worker's root`);
  }
  return pathToFileURL(file).href;
}

/** The wire form of a function reference; ERR_NOT_TRANSFERABLE when its module is outside root. */
const wired = new WeakMap<FnRef, { root: string; fn: WireFn }>();

export function wireFn(ref: FnRef, root: string, role: string): WireFn {
  // Once per function and root: the path check reads the file system (realpath).
  const hit = wired.get(ref);
  if (hit && hit.root === root) return hit.fn;
  const fn = wireFnUncached(ref, root, role);
  wired.set(ref, { root, fn });
  return fn;
}

function wireFnUncached(ref: FnRef, root: string, role: string): WireFn {
  if ('s' in ref) return { s: ref.s, n: ref.n, method: ref.method };
  const rel = relativeToRoot(ref.m, root);
  if (rel === undefined) {
    throw errors.notTransferable(
      `${role} ${ref.n} lives in ${displayPath(ref.m)}, outside the cluster root ${root}; workers import only modules under their --root: move it under root, or set getContext('cluster', { root }) to a folder that holds it`,
    );
  }
  return { p: rel, e: ref.e, n: ref.n };
}

/** Rewrites the class references of prepared bytes-to-be to root-relative form (before pack). */
export function relativizeClasses(prepared: Prepared, root: string, what: string, strict: boolean): void {
  const refs = prepared.reduced.refs;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    if ('r' in r) continue;
    const rel = relativeToRoot(r.m, root);
    if (rel === undefined) {
      if (!strict) continue;
      throw errors.notTransferable(
        `${what} holds an instance of class ${r.e} from ${displayPath(r.m)}, outside the cluster root ${root}; register it with registerClass on both sides, or move it under root`,
      );
    }
    refs[i] = { ...r, m: SCHEME + rel };
  }
}

/** Where a msgpack extension's data starts, its length and type; undefined if `b` is not one. */
function extAt(b: Buffer): { type: number; start: number; length: number } | undefined {
  const h = b[0];
  const fixed: Record<number, number> = { 0xd4: 1, 0xd5: 2, 0xd6: 4, 0xd7: 8, 0xd8: 16 };
  if (h === undefined) return undefined;
  if (fixed[h] !== undefined) return b.length >= 2 ? { type: b[1]!, start: 2, length: fixed[h]! } : undefined;
  if (h === 0xc7 && b.length >= 3) return { type: b[2]!, start: 3, length: b[1]! };
  if (h === 0xc8 && b.length >= 4) return { type: b[3]!, start: 4, length: b.readUInt16BE(1) };
  if (h === 0xc9 && b.length >= 6) return { type: b[5]!, start: 6, length: b.readUInt32BE(1) };
  return undefined;
}

/**
 * Maps the class references inside encoded bytes (relative <-> this side's file URLs).
 * `map` returns the new ref or throws. Bytes without a manifest come back unchanged.
 */
export function mapClassRefs(bytes: Uint8Array, map: (ref: ClassRef) => ClassRef): Uint8Array {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const ext = extAt(b);
  if (!ext || ext.type !== EXT_MANIFEST || ext.start + ext.length !== b.length || ext.length < 5) return bytes;
  const data = b.subarray(ext.start);
  const n = data.readUInt32LE(1);
  if (5 + n > data.length) throw errors.invalidMessage('malformed message manifest');
  const refs = plain.unpack(data.subarray(5, 5 + n)) as unknown;
  if (!Array.isArray(refs)) throw errors.invalidMessage('malformed message manifest');
  const mapped = refs.map((r: unknown) => {
    if (!r || typeof r !== 'object') throw errors.invalidMessage('malformed class reference');
    return map(r as ClassRef);
  });
  const packed = plain.pack(mapped);
  const body = data.subarray(5 + n);
  const len = 5 + packed.length + body.length;
  const out = Buffer.allocUnsafe(6 + len);
  out[0] = 0xc9;
  out.writeUInt32BE(len, 1);
  out[5] = EXT_MANIFEST;
  out[6] = data[0]!;
  out.writeUInt32LE(packed.length, 7);
  packed.copy(out, 11);
  body.copy(out, 11 + packed.length);
  return out;
}

/** Relative class refs -> file URLs under root (refusing any that leave it or are absolute). */
export function classesUnderRoot(bytes: Uint8Array, root: string): Uint8Array {
  return mapClassRefs(bytes, (r) => {
    if ('r' in r) return r;
    if (typeof r.m !== 'string' || !r.m.startsWith(SCHEME)) throw errors.notTransferable('a task names a module by an absolute path; only paths under root travel');
    return { ...r, m: underRoot(r.m.slice(SCHEME.length), root) };
  });
}

/** Relative class refs -> file URLs under root; absolute ones (outside root) stay as they are. */
export function classesFromRoot(bytes: Uint8Array, root: string): Uint8Array {
  return mapClassRefs(bytes, (r) => ('r' in r || typeof r.m !== 'string' || !r.m.startsWith(SCHEME) ? r : { ...r, m: underRoot(r.m.slice(SCHEME.length), root) }));
}
