// value <-> bytes. msgpackr (structured-clone mode) packs what the reducer produced; our
// extensions carry errors, shared objects, Maps, -0, number arrays, custom-reduced class
// instances and the manifest (classes to look up; records mode for cyclic values). Decoding
// only builds data: classes are looked up (never constructed), modules are imported only
// when a trusted parent named them, and a peer without that trust (`allowModules: false`)
// cannot name any.
import { Packr, addExtension } from 'msgpackr';
import { errors } from '../errors.js';
import * as errorClasses from '../errors/classes.js';
import {
  CLASS_MARK,
  ClassNode,
  EntriesNode,
  ErrorNode,
  LoneString,
  MapNode,
  NegativeZero,
  NumberArray,
  Reducer,
  SharedNode,
  SparseNode,
  MAX_DEPTH,
  builtinErrorClasses,
} from './reduce.js';
import { registerClass, registeredByName, seenClass, type ClassRef } from './classes.js';
import { assignOwn, setOwn } from './own.js';
import { globalSingleton, runtimeState } from '../util/state.js';
import { importModule, loadedModule, pickExport } from '../functions/resolve.js';
import { displayPath, loadedExport } from '../functions/reference.js';
import { isScriptLoaded } from '../functions/locate.js';

const EXT_CLASS = 0x11,
  EXT_ERROR = 0x12,
  EXT_SHARED = 0x13,
  EXT_MANIFEST = 0x14,
  EXT_NEG_ZERO = 0x15,
  EXT_NUMBERS = 0x16,
  EXT_MAP = 0x17;
const EXT_UTF16 = 0x18,
  EXT_SPARSE = 0x19,
  EXT_ENTRIES = 0x1a;

// Plain objects travel as msgpack maps (no records: a record definition in every message
// costs more than it saves without shared structures); Maps travel as an extension.
const packr = new Packr({ structuredClone: true, moreTypes: true, useRecords: false, mapsAsObjects: true });
// msgpackr rebuilds a cycle through a plain object only when objects are records (and Maps
// are msgpack maps); such bodies are marked in their Manifest and unpacked by this one.
const cyclicPackr = new Packr({ structuredClone: true, moreTypes: true, mapsAsObjects: false });

/** Wraps a body that needs more than plain unpacking: classes to look up, or records (cycles). */
class Manifest {
  constructor(
    readonly refs: ClassRef[],
    readonly body: Uint8Array,
    readonly cyclic: boolean,
  ) {}
}

/** Classes of the message being decoded (decoding is synchronous, so one slot suffices). */
interface TableEntry {
  cls: Function;
  revive?: (state: unknown) => unknown;
}
let table: TableEntry[] | null = null;

type Reviver = (state: unknown) => unknown;
const sharedTypes = globalSingleton('sharedTypes', () => new Map<string, Reviver>());

/** Tells the decoder how to rebuild a shared object of `type` from its state. */
export function registerSharedType(type: string, revive: Reviver): void {
  sharedTypes.set(type, revive);
}

// A worker does not load every proxy class at start (~110 KB, ~10 ms of CPU per worker): its
// bootstrap hands the loader here, and the first trusted message that carries a shared object
// loads them all before it is decoded (asynchronously, like a class's module). Every later
// decode, trusted or not, then finds them: a worker only reaches a peer's objects through such
// a message, or through its own `import 'multiproc'`, which registers them all too.
const typesLoader = globalSingleton('sharedTypesLoader', () => ({ load: null as (() => Promise<unknown>) | null, loading: null as Promise<void> | null }));
/** Thrown inside an unpack that met a shared object before the types were loaded. */
const NEEDS_TYPES = Symbol('needs shared types');

/** Entry points only: the proxy classes load on the first message that carries one. */
export function loadSharedTypesOnDemand(load: () => Promise<unknown>): void {
  if (!typesLoader.loading) typesLoader.load = load;
}

/** Loads the proxy classes now (once); settles when every shared type is registered. */
export function loadSharedTypes(): Promise<void> {
  const load = typesLoader.load;
  if (!load) return typesLoader.loading ?? Promise.resolve();
  return (typesLoader.loading ??= load().then(
    () => {
      typesLoader.load = null;
    },
    (e: unknown) => {
      typesLoader.loading = null; // e.g. EMFILE: the next message tries again
      throw e;
    },
  ));
}

function defineHidden(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, configurable: true, enumerable: false });
}

addExtension({
  Class: ClassNode,
  type: EXT_CLASS,
  write: (n: ClassNode) => [n.ref, n.state, n.custom],
  read: ([ref, state, custom]: [number, unknown, boolean]) => {
    const entry = table?.[ref];
    if (!entry) throw errors.invalidMessage('message names a class outside its manifest');
    if (custom && entry.revive) return entry.revive(state);
    const o = Object.create(entry.cls.prototype as object) as Record<string, unknown>;
    if (state && typeof state === 'object') assignOwn(o, state);
    return o;
  },
});

addExtension({
  Class: ErrorNode,
  type: EXT_ERROR,
  write: (n: ErrorNode) => [n.cls, n.message, n.stack, n.props, n.hasCause ? [n.cause] : null],
  read: ([cls, message, stack, props, cause]: [number | string, string, string | undefined, Record<string, unknown> | null, [unknown] | null]) => {
    const ctor = typeof cls === 'string' ? (builtinErrorClasses[cls] ?? Error) : (table?.[cls]?.cls ?? Error);
    const e = Object.create(ctor.prototype as object) as Error;
    defineHidden(e, 'message', String(message));
    if (stack !== undefined) defineHidden(e, 'stack', stack);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'name' || k === 'errors') defineHidden(e, k, v);
        else setOwn(e, k, v);
      }
    }
    if (cause) defineHidden(e, 'cause', cause[0]);
    return e;
  },
});

addExtension({
  Class: NumberArray,
  type: EXT_NUMBERS,
  pack: (n: NumberArray) => {
    const v = n.values;
    const typed = n.int32 ? Int32Array.from(v) : Float64Array.from(v);
    const out = Buffer.allocUnsafe(1 + typed.byteLength);
    out[0] = n.int32 ? 4 : 8;
    out.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), 1);
    return out;
  },
  unpack: (buf: Uint8Array) => {
    const width = buf[0];
    if ((width !== 4 && width !== 8) || (buf.length - 1) % width !== 0) throw errors.invalidMessage('malformed number array');
    const bytes = new Uint8Array(buf.length - 1); // an aligned copy
    bytes.set(buf.subarray(1));
    const typed = width === 4 ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4) : new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
    const n = typed.length;
    // Below ~50k elements `new Array(n)` stays in fast mode and beats push.
    if (n <= 50_000) {
      const out = new Array<number>(n);
      for (let i = 0; i < n; i++) out[i] = typed[i]!;
      return out;
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(typed[i]!);
    return out;
  },
});

addExtension({
  Class: MapNode,
  type: EXT_MAP,
  write: (n: MapNode) => n.entries,
  read: (entries: unknown[]) => {
    if (!Array.isArray(entries) || entries.length % 2 !== 0) throw errors.invalidMessage('malformed Map in message');
    const m = new Map<unknown, unknown>();
    for (let i = 0; i < entries.length; i += 2) m.set(entries[i], entries[i + 1]);
    return m;
  },
});

addExtension({ Class: NegativeZero, type: EXT_NEG_ZERO, write: () => 0, read: () => -0 });

// A string with a lone surrogate, as its UTF-16 code units (little-endian).
addExtension({
  Class: LoneString,
  type: EXT_UTF16,
  pack: (n: LoneString) => {
    const out = Buffer.allocUnsafe(n.value.length * 2);
    for (let i = 0; i < n.value.length; i++) out.writeUInt16LE(n.value.charCodeAt(i), i * 2);
    return out;
  },
  unpack: (buf: Uint8Array) => {
    if (buf.length % 2 !== 0) throw errors.invalidMessage('malformed UTF-16 string in message');
    let out = '';
    for (let i = 0; i < buf.length; i += 2) out += String.fromCharCode(buf[i]! | (buf[i + 1]! << 8));
    return out;
  },
});

// An array with holes: [length, index, value, index, value, ...].
addExtension({
  Class: SparseNode,
  type: EXT_SPARSE,
  write: (n: SparseNode) => [n.length, ...n.entries],
  read: (parts: unknown[]) => {
    if (!Array.isArray(parts) || parts.length % 2 !== 1) throw errors.invalidMessage('malformed sparse array in message');
    const length = parts[0];
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > 0xffffffff) throw errors.invalidMessage('malformed sparse array in message');
    const a = new Array<unknown>(length);
    for (let i = 1; i < parts.length; i += 2) {
      const at = parts[i];
      if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= length) throw errors.invalidMessage('malformed sparse array in message');
      a[at] = parts[i + 1];
    }
    return a;
  },
});

// A plain object with keys msgpack strings cannot carry: [key, value, ...]. Keys become own
// properties (defineProperty: a key '__proto__' is a key, never a prototype).
addExtension({
  Class: EntriesNode,
  type: EXT_ENTRIES,
  write: (n: EntriesNode) => n.entries,
  read: (entries: unknown[]) => {
    if (!Array.isArray(entries) || entries.length % 2 !== 0) throw errors.invalidMessage('malformed object in message');
    const o: Record<string, unknown> = {};
    for (let i = 0; i < entries.length; i += 2) setOwn(o, String(entries[i]), entries[i + 1]);
    return o;
  },
});

// msgpackr's extensions are global: any msgpack reader in the process (a channel's envelope,
// which peers fill) would meet this record too. Only decode() may revive a shared object.
let reading = 0;
function unpackValue(p: Packr, bytes: Uint8Array): unknown {
  reading++;
  try {
    return p.unpack(bytes);
  } finally {
    reading--;
  }
}

addExtension({
  Class: SharedNode,
  type: EXT_SHARED,
  write: (n: SharedNode) => [n.type, n.state],
  read: ([type, state]: [string, unknown]) => {
    if (reading === 0) throw errors.invalidMessage('a shared object record outside an encoded value; only decode() revives shared objects');
    // Untrusted decodes stay synchronous: they only happen after a trusted one loaded the types.
    if (typesLoader.load && untrusted.depth === 0) throw NEEDS_TYPES;
    const revive = sharedTypes.get(type);
    if (!revive) throw errors.invalidMessage(`message carries an unknown shared object type '${String(type)}'`);
    return revive(state);
  },
});

addExtension({
  Class: Manifest,
  type: EXT_MANIFEST,
  pack: (m: Manifest) => {
    const refs = packr.pack(m.refs);
    const out = Buffer.allocUnsafe(5 + refs.length + m.body.length);
    out[0] = m.cyclic ? 1 : 0;
    out.writeUInt32LE(refs.length, 1);
    out.set(refs, 5);
    out.set(m.body, 5 + refs.length);
    return out;
  },
  unpack: (buf: Uint8Array) => {
    if (buf.length < 5) throw errors.invalidMessage('malformed message manifest');
    const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1, true);
    if (5 + n > buf.length) throw errors.invalidMessage('malformed message manifest');
    const refs = packr.unpack(buf.subarray(5, 5 + n)) as ClassRef[];
    if (!Array.isArray(refs)) throw errors.invalidMessage('malformed message manifest');
    return new Manifest(refs, buf.subarray(5 + n), buf[0] === 1);
  },
});

// The library's own error classes revive by name everywhere.
for (const [name, cls] of Object.entries(errorClasses)) {
  if (typeof cls === 'function' && /^[A-Z]/.test(name) && cls.prototype instanceof Error) {
    // The ESM and CommonJS builds may both load in one worker: the first registration wins.
    if (!registeredByName(`multiproc.${name}`)) registerClass(cls as new () => Error, { name: `multiproc.${name}` });
  }
}

/** A value checked and reduced, not yet packed: see prepare(). */
export interface Prepared {
  readonly reduced: ReturnType<typeof Reducer.reduce>;
}

/**
 * Checks and reduces `value` without packing it. Throws TypeError ERR_NOT_TRANSFERABLE naming
 * the path (`root[1].handler`) when part of it cannot be sent. Lets a caller validate many
 * values first and pack them one by one later, so nothing is half-sent.
 */
export function prepare(value: unknown, root = 'value'): Prepared {
  return { reduced: Reducer.reduce(value, root) };
}

/** Packs a prepared value (and commits its shared objects' transfer). */
export function pack(prepared: Prepared): Uint8Array {
  const reduced = prepared.reduced;
  let body: Uint8Array;
  try {
    body = (reduced.cyclic ? cyclicPackr : packr).pack(reduced.value);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    throw Object.assign(
      errors.notTransferable(
        `the value is nested too deeply to send from here (the limit is ${MAX_DEPTH} levels of containers, fewer for nested Maps, Sets and errors); flatten it, or send it in parts`,
      ),
      { cause: e },
    );
  }
  const out = reduced.refs.length === 0 && !reduced.cyclic ? body : packr.pack(new Manifest(reduced.refs, body, reduced.cyclic));
  for (const commit of reduced.commits) commit();
  return out;
}

/**
 * Encodes `value`. Throws TypeError ERR_NOT_TRANSFERABLE naming the path (`root[1].handler`)
 * when part of it cannot be sent; nothing is sent then.
 */
export function encode(value: unknown, root = 'value'): Uint8Array {
  if (typeof value === 'number') {
    const quick = encodeNumber(value);
    if (quick) return quick;
  }
  return pack(prepare(value, root));
}

/**
 * The msgpack bytes of a number without the packer (queue items and manager values are often
 * single numbers; this is several times cheaper than a pack call). Same bytes msgpackr reads.
 */
function encodeNumber(v: number): Uint8Array | null {
  if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff && !Object.is(v, -0)) {
    if (v >= 0 && v < 128) return Buffer.of(v);
    const out = Buffer.allocUnsafe(5);
    out[0] = 0xd2;
    out.writeInt32BE(v, 1);
    return out;
  }
  return null;
}

export interface DecodeOptions {
  /** May the message name modules to import (true only for messages from a trusted parent/child). */
  allowModules?: boolean;
  /** Where an untrusted message came from (opaque here; revivers of shared objects read it). */
  source?: unknown;
}

type ExportClassRef = Exclude<ClassRef, { r: string }>;

/**
 * The main program imports a module only to revive a class it has never sent itself. Its
 * entry module may still be running top-level await, when import() would never settle, so
 * the wait is bounded and the error says what to do.
 */
function importForClass(ref: ExportClassRef): Promise<Record<string, unknown>> {
  if (runtimeState().isWorker) return importModule(ref.m);
  // The main program never makes a module load: only one it already evaluated is asked for
  // its namespace (import() then returns the cached one and runs nothing).
  if (!isScriptLoaded(ref.m)) {
    return Promise.reject(
      errors.notTransferable(
        `a result holds an instance of class ${ref.e} from ${displayPath(ref.m)}, a module this program never loaded; ` +
          `import that module in the main program, or call registerClass(${ref.e}) in a module both sides import`,
      ),
    );
  }
  const p = importModule(ref.m);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          errors.notTransferable(
            `class ${ref.e} from ${displayPath(ref.m)} could not be loaded in the main program (its module is still starting, or nothing from it was sent yet); ` +
              `call registerClass(${ref.e}) in a module both sides import, or move the class to its own module`,
          ),
        ),
      2000,
    );
    p.then(
      (ns) => {
        clearTimeout(timer);
        resolve(ns);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function resolveRefSync(ref: ClassRef, allowModules: boolean): TableEntry | undefined {
  if ('r' in ref) {
    const reg = registeredByName(ref.r);
    if (!reg) throw errors.notTransferable(`class '${ref.r}' is not registered in this process; call registerClass in a module both sides import`);
    return { cls: reg.cls, revive: reg.revive };
  }
  // A class this process already has is only looked up: nothing is imported or run.
  const known = seenClass(ref);
  if (known) return { cls: known };
  if (!runtimeState().isWorker) {
    // The main program never imports user modules for this; it reads the loaded module.
    const found = loadedExport(ref);
    if (typeof found === 'function') return { cls: found };
  }
  const ns = loadedModule(ref.m);
  if (ns) return checkClass(pickExport(ns, ref), ref);
  if (!allowModules) throw errors.invalidMessage('a peer may not name modules to import');
  return undefined;
}

function checkClass(v: unknown, ref: ExportClassRef): TableEntry {
  if (typeof v !== 'function') throw errors.notTransferable(`${ref.e} is not an exported class of ${displayPath(ref.m)}`);
  return { cls: v };
}

function unpackWith(m: Manifest, classes: TableEntry[]): unknown {
  const saved = table;
  table = classes;
  let value: unknown;
  try {
    value = unpackValue(m.cyclic ? cyclicPackr : packr, m.body);
  } finally {
    table = saved;
  }
  if (classes.length > 0) restorePrototypes(value, classes);
  return value;
}

/** Gives every marked plain copy its class back, in place (cycles and identity survive). */
function restorePrototypes(root: unknown, classes: TableEntry[]): void {
  const seenObjects = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (!v || typeof v !== 'object' || seenObjects.has(v)) continue;
    seenObjects.add(v);
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        stack.push(k);
        stack.push(x);
      }
      continue;
    }
    if (v instanceof Set) {
      for (const x of v) stack.push(x);
      continue;
    }
    if (ArrayBuffer.isView(v) || v instanceof Date || v instanceof RegExp || v instanceof ArrayBuffer) continue;
    const rec = v as Record<string, unknown>;
    const mark = rec[CLASS_MARK];
    if (mark !== undefined) {
      delete rec[CLASS_MARK];
      const entry = typeof mark === 'number' ? classes[mark] : undefined;
      if (!entry) throw errors.invalidMessage('message names a class outside its manifest');
      Object.setPrototypeOf(v, entry.cls.prototype as object);
    }
    for (const k of Object.keys(rec)) stack.push(rec[k]);
  }
}

// Depth of decodes of messages from a peer outside the process tree (allowModules: false),
// shared by every copy of the library in the thread. Revivers of shared objects read it: such
// a peer may not hand this process a pipe end, nor mark a shared object as trusted.
const untrusted = globalSingleton('untrustedDecodes', () => ({ depth: 0, sources: [] as unknown[] }));

/** True while a message from an untrusted peer decodes. */
export function decodingUntrusted(): boolean {
  return untrusted.depth > 0;
}

/** The `source` of the untrusted message decoding now (undefined: not given, or not untrusted). */
export function untrustedSource(): unknown {
  return untrusted.sources[untrusted.sources.length - 1];
}

/**
 * Decodes bytes from `encode`. Synchronous unless the message needs a module not yet imported.
 * With `allowModules: false` (a peer outside the process tree) it is always synchronous, and
 * bad bytes only ever throw errors with a `code` (ERR_INVALID_MESSAGE unless a reviver had a
 * more precise one), also for a message nested too deeply to decode.
 */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  if (options.allowModules === false) {
    untrusted.depth++;
    untrusted.sources.push(options.source);
    try {
      return decodeWith(bytes, options);
    } catch (e) {
      throw invalidMessage(e);
    } finally {
      untrusted.depth--;
      untrusted.sources.pop();
    }
  }
  try {
    return decodeWith(bytes, options);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    throw Object.assign(errors.invalidMessage("the message is nested too deeply to decode on this thread's stack"), { cause: e });
  }
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** A peer's bad bytes as an error with a code (msgpackr and V8 throw plain Error, TypeError, RangeError). */
function invalidMessage(e: unknown): Error {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string') return e;
  const tooDeep = isStackOverflow(e);
  const err = errors.invalidMessage(
    tooDeep ? 'invalid message from peer: it is nested too deeply to decode' : `invalid message from peer: ${e instanceof Error ? e.message : String(e)}`,
  );
  err.cause = e;
  return err;
}

function decodeWith(bytes: Uint8Array, options: DecodeOptions): unknown {
  if (!typesLoader.load) return decodeNow(bytes, options);
  try {
    return decodeNow(bytes, options);
  } catch (e) {
    if (e !== NEEDS_TYPES) throw e;
    return loadSharedTypes().then(() => decodeNow(bytes, options));
  }
}

function decodeNow(bytes: Uint8Array, options: DecodeOptions): unknown {
  // Byte strings inside decode as views of the input: over a Buffer they are Buffers, as sent
  // (a frame put together from several socket reads is a plain Uint8Array otherwise).
  if (!Buffer.isBuffer(bytes)) bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const top = unpackValue(packr, bytes);
  // 0xc1 is never used by msgpack; msgpackr hands back a marker object for it.
  if (top && typeof top === 'object' && (top as object).constructor?.name === 'C1Type') throw errors.invalidMessage('invalid message: byte 0xc1');
  if (!(top instanceof Manifest)) return top;
  const allow = options.allowModules ?? true;
  const classes = top.refs.map((r) => resolveRefSync(r, allow));
  if (classes.every((c) => c !== undefined)) return unpackWith(top, classes as TableEntry[]);
  return Promise.all(
    top.refs.map(async (r, i) => {
      const known = classes[i];
      if (known) return known;
      const ref = r as ExportClassRef;
      return checkClass(pickExport(await importForClass(ref), ref), ref);
    }),
  ).then((resolved) => unpackWith(top, resolved));
}
