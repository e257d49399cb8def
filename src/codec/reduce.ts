// The single reduction layer: walks a value once before it is packed, refusing what cannot
// cross (with the path to it), and turning class instances, errors and shared objects into
// nodes the packer writes as extensions. Containers are copied only where something changed.
import { errors } from '../errors.js';
import { registeredByClass, classExportRef, type ClassRef } from './classes.js';
import { displayPath } from '../functions/reference.js';
import { locate } from '../functions/locate.js';

/** Objects with this method travel as shared references (Connection, Queue, Lock, ...). */
export const kReduce = Symbol.for('multiproc.reduce');
/** A shared object travelling inside a message whose destination is decided later (Pool tasks). */
export interface Transit {
  /** It is now headed for the process at `address`. */
  rebind(address: string): void;
  /** The message will never be delivered: release what travels. */
  abandon(): void;
}

export interface SharedReducible {
  /** `commit` runs only once the whole message encoded, so a refused message changes nothing. */
  [kReduce](): { type: string; state: unknown; commit?: () => void; transit?: Transit };
}

/**
 * Key that marks a plain copy of a class instance with its manifest index. The decoder swaps
 * the prototype in place afterwards, so instances keep identity and may sit in cycles.
 */
export const CLASS_MARK = '\u0000multiproc.class';

export class ClassNode {
  constructor(
    readonly ref: number,
    readonly state: unknown,
    readonly custom: boolean,
  ) {}
}
export class ErrorNode {
  constructor(
    readonly cls: number | string,
    readonly message: string,
    readonly stack: string | undefined,
    readonly props: Record<string, unknown> | null,
    readonly cause: unknown,
    readonly hasCause: boolean,
  ) {}
}
export class SharedNode {
  constructor(
    readonly type: string,
    readonly state: unknown,
  ) {}
}
/**
 * A plain array of numbers, sent as raw Int32/Float64 bytes: packing and unpacking then cost
 * a third of msgpack's per-element encoding (map() chunks and results are mostly this).
 */
export class NumberArray {
  constructor(
    readonly values: number[],
    readonly int32: boolean,
  ) {}
}
const MIN_NUMBER_ARRAY = 16;

/** A Map as [key, value, key, value, ...]: plain objects then travel as msgpack maps. */
export class MapNode {
  constructor(readonly entries: unknown[]) {}
}

/** A string with a lone surrogate (UTF-8 cannot carry it): sent as UTF-16 code units. */
export class LoneString {
  constructor(readonly value: string) {}
}

/** An array with holes: its length and the indices it has, so holes stay holes. */
export class SparseNode {
  constructor(
    readonly length: number,
    readonly entries: unknown[],
  ) {}
}

/** A plain object with a key UTF-8 cannot carry (a lone surrogate): its entries. */
export class EntriesNode {
  constructor(readonly entries: unknown[]) {}
}

/**
 * Values nested deeper than this (containers in containers) are refused with
 * ERR_NOT_TRANSFERABLE: the walk and the packer recurse, and a stack overflow part-way would
 * be a bare RangeError. (Maps, Sets and errors cost the packer more stack per level: a value
 * that still overflows it is refused the same way, see codec.ts pack().)
 */
export const MAX_DEPTH = 1000;

/** msgpack has no negative zero for integers; this keeps -0 apart from 0. */
export class NegativeZero {}
const NEG_ZERO = new NegativeZero();

const BUILTIN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);
export const builtinErrorClasses: Record<string, Function> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
};

const NONE: ClassRef[] = [];
const NONE_COMMITS: (() => void)[] = [];
const NONE_TRANSITS: Transit[] = [];

export interface Reduced {
  value: unknown;
  refs: ClassRef[];
  commits: (() => void)[];
  transits: Transit[];
  /** The value contains a cycle (the packer must then use records). */
  cyclic: boolean;
}

const NOT_FLAT = Symbol('not flat');

type WellFormedCheck = (this: string) => boolean;
const nativeWellFormed = (String.prototype as { isWellFormed?: WellFormedCheck }).isWellFormed;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** False when `s` holds a lone surrogate, which UTF-8 (msgpack strings) cannot carry. */
const wellFormed: (s: string) => boolean = nativeWellFormed ? (s) => nativeWellFormed.call(s) : (s) => !LONE_SURROGATE.test(s);

/**
 * The common case needs no walker: a primitive, a plain array of primitives (not -0, no
 * holes), or a small plain object of them. Returns what to pack, or NOT_FLAT. A plain object
 * comes back as a copy made while checking it, so each getter is read once per send (the
 * packer reads the copy).
 */
function flat(v: unknown): unknown {
  const t = typeof v;
  if (t === 'number') return v === 0 && 1 / (v as number) < 0 ? NOT_FLAT : v;
  if (t === 'string') return wellFormed(v as string) ? v : NOT_FLAT;
  if (t === 'boolean' || t === 'undefined' || t === 'bigint' || v === null) return v;
  if (t !== 'object') return NOT_FLAT;
  if (Array.isArray(v)) {
    if (v.constructor !== Array) return NOT_FLAT;
    for (let i = 0; i < v.length; i++) if (!isFlatScalar(v[i])) return NOT_FLAT;
    return v;
  }
  // A small plain object of scalars ({ i: 1, s: 'x' }): the usual message.
  if (Object.getPrototypeOf(v) !== Object.prototype) return NOT_FLAT;
  let n = 0;
  const copy: Record<string, unknown> = {};
  for (const k in v as object) {
    if (++n > 32 || k === '__proto__' || !Object.prototype.hasOwnProperty.call(v, k) || !wellFormed(k)) return NOT_FLAT;
    const x = (v as Record<string, unknown>)[k];
    if (!isFlatScalar(x)) return NOT_FLAT;
    copy[k] = x;
  }
  return Object.getOwnPropertySymbols(v).length === 0 ? copy : NOT_FLAT;
}

/** A NumberArray for an array of (non -0) numbers long enough to pay, else null. */
function numberArray(a: unknown[]): NumberArray | null {
  if (a.length < MIN_NUMBER_ARRAY) return null;
  let int32 = true;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number') return null;
    if (int32 && (x | 0) !== x) int32 = false;
  }
  return new NumberArray(a as number[], int32);
}

function isFlatScalar(x: unknown): boolean {
  const tx = typeof x;
  if (tx === 'number') return !(x === 0 && 1 / (x as number) < 0);
  if (tx === 'string') return wellFormed(x as string);
  return tx === 'boolean' || tx === 'bigint' || x === null;
}

class Unsendable extends Error {
  path: (string | number | { mapKey: unknown } | '<set>')[] = [];
  constructor(
    readonly what: string,
    readonly fix: string,
  ) {
    super(what);
  }
}

const PASS_THROUGH = new Set<Function>([
  Date,
  RegExp,
  ArrayBuffer,
  DataView,
  Buffer,
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]);

function formatPath(root: string, path: Unsendable['path']): string {
  let out = root;
  // A very deep path keeps its two ends.
  if (path.length > 24) return `${formatPath(root, path.slice(0, 8))}...(${path.length - 16} more)...${formatPath('', path.slice(-8))}`;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (seg === '<set>') out += '.<set item>';
    else if (typeof seg === 'object') out += `.get(${typeof seg.mapKey === 'string' ? JSON.stringify(seg.mapKey) : String(seg.mapKey)})`;
    else out += /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export class Reducer {
  readonly refs: ClassRef[] = [];
  private readonly refIndex = new Map<string, number>();
  private readonly seen = new Map<object, unknown>();

  readonly commits: (() => void)[] = [];
  readonly transits: Transit[] = [];

  /** Containers are copied only when something inside changed, unless this is set. */
  private readonly copyAll: boolean;
  /** Containers being walked, and those a cycle reached before they were done. */
  private readonly open = new Set<object>();
  private readonly reachedOpen = new Set<object>();
  /** A container was copied after a cycle had already handed out the original. */
  private stale = false;

  /** Maps as they are (records mode handles them, and cycles through them). */
  private readonly nativeMaps: boolean;

  constructor(copyAll = false, nativeMaps = false) {
    this.copyAll = copyAll;
    this.nativeMaps = nativeMaps;
  }

  static reduce(value: unknown, root: string): Reduced {
    const simple = flat(value);
    if (simple !== NOT_FLAT) {
      const numeric = Array.isArray(simple) ? numberArray(simple) : null;
      return { value: numeric ?? simple, refs: NONE, commits: NONE_COMMITS, transits: NONE_TRANSITS, cyclic: false };
    }
    let r = new Reducer();
    try {
      let out = r.any(value);
      // Rare: a cycle. msgpackr rebuilds cycles only in records mode, where Maps stay Maps; and
      // a cycle through a container that had to be copied needs every container copied.
      if (r.reachedOpen.size > 0) {
        r = new Reducer(r.stale, true);
        out = r.any(value);
      }
      return { value: out, refs: r.refs, commits: r.commits, transits: r.transits, cyclic: r.reachedOpen.size > 0 };
    } catch (e) {
      if (e instanceof Unsendable) {
        throw errors.notTransferable(`${formatPath(root, e.path)} cannot be sent to another process: ${e.what}; ${e.fix}`);
      }
      throw e;
    }
  }

  private ref(key: string, ref: ClassRef): number {
    let i = this.refIndex.get(key);
    if (i === undefined) {
      i = this.refs.push(ref) - 1;
      this.refIndex.set(key, i);
    }
    return i;
  }

  any(v: unknown): unknown {
    switch (typeof v) {
      case 'object':
        return v === null ? v : this.object(v);
      case 'function': {
        const name = (v as Function).name || 'anonymous';
        throw new Unsendable(`it is a function (${name})`, 'functions travel only as a target/fn argument; pass data, or an exported class instance');
      }
      case 'symbol':
        throw new Unsendable('it is a symbol', 'send a string instead');
      case 'number':
        return v === 0 && 1 / v < 0 ? NEG_ZERO : v;
      case 'string':
        return wellFormed(v) ? v : new LoneString(v);
      default:
        return v;
    }
  }

  private child(key: Unsendable['path'][number], v: unknown): unknown {
    const t = typeof v;
    if (t === 'number') return v === 0 && 1 / (v as number) < 0 ? NEG_ZERO : v;
    if (t === 'string') return wellFormed(v as string) ? v : new LoneString(v as string);
    if (t !== 'object' && t !== 'function' && t !== 'symbol') return v;
    try {
      return this.any(v);
    } catch (e) {
      if (e instanceof Unsendable) e.path.unshift(key);
      throw e;
    }
  }

  private depth = 0;

  private object(o: object): unknown {
    if (this.seen.has(o)) {
      if (this.open.has(o)) this.reachedOpen.add(o);
      return this.seen.get(o);
    }
    if (++this.depth > MAX_DEPTH) {
      throw new Unsendable(`it is nested more than ${MAX_DEPTH} levels deep (the depth limit of a message)`, 'flatten the value, or send it in parts');
    }
    const out = this.objectOnce(o);
    this.depth--;
    return out;
  }

  private objectOnce(o: object): unknown {
    const ctor = (o as { constructor?: Function }).constructor;
    if (Array.isArray(o) && ctor === Array) return this.array(o);
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) return this.plain(o as Record<string, unknown>);
    if (ctor && PASS_THROUGH.has(ctor)) {
      this.seen.set(o, o);
      return o;
    }
    if (o instanceof Map && ctor === Map) return this.map(o);
    if (o instanceof Set && ctor === Set) return this.set(o);
    if (typeof (o as Partial<SharedReducible>)[kReduce] === 'function') {
      const { type, state, commit, transit } = (o as SharedReducible)[kReduce]();
      if (commit) this.commits.push(commit);
      if (transit) this.transits.push(transit);
      const node = new SharedNode(type, this.any(state));
      this.seen.set(o, node);
      return node;
    }
    if (o instanceof Error) return this.error(o);
    if (o instanceof Promise || o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef) {
      throw new Unsendable(`it is a ${ctor?.name ?? 'weak or pending object'}`, 'send the value it holds instead');
    }
    return this.instance(o, ctor);
  }

  private array(a: unknown[]): unknown {
    let out: unknown[] | undefined = this.copyAll ? [] : undefined;
    this.seen.set(a, out ?? a);
    this.open.add(a);
    let holes = false;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (v === undefined && !(i in a)) {
        holes = true;
        break;
      }
      const r = this.child(i, v);
      if (r !== v && !out) {
        out = a.slice(0, i);
        this.seen.set(a, out);
        if (this.reachedOpen.has(a)) this.stale = true;
      }
      if (out) out.push(r);
    }
    if (holes) return this.sparse(a);
    this.open.delete(a);
    if (!out) {
      const numeric = numberArray(a);
      if (numeric) {
        this.seen.set(a, numeric);
        return numeric;
      }
    }
    return out ?? a;
  }

  /** An array with holes: only the indices it has travel (structured clone keeps holes). */
  private sparse(a: unknown[]): SparseNode {
    const node = new SparseNode(a.length, []);
    this.seen.set(a, node);
    for (const k of Object.keys(a)) {
      const i = Number(k);
      node.entries.push(i, this.child(i, a[i]));
    }
    this.open.delete(a);
    return node;
  }

  private plain(o: Record<string, unknown>): Record<string, unknown> | EntriesNode {
    if (Object.getOwnPropertySymbols(o).length > 0) {
      throw new Unsendable('it has symbol-keyed properties', 'use string keys, or leave them out of what you send');
    }
    if (Object.prototype.hasOwnProperty.call(o, '__proto__')) {
      throw new Unsendable("it has an own property named '__proto__'", 'rename that key before sending');
    }
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) if (!wellFormed(keys[i]!)) return this.entries(o, keys);
    // Always a copy: each property (a getter too) is read once, and the packer reads the copy.
    const out: Record<string, unknown> = {};
    this.seen.set(o, out);
    this.open.add(o);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      out[k] = this.child(k, o[k]);
    }
    this.open.delete(o);
    return out;
  }

  /** A plain object with a key msgpack strings cannot carry: [key, value, ...] with keys as values. */
  private entries(o: Record<string, unknown>, keys: string[]): EntriesNode {
    const node = new EntriesNode([]);
    this.seen.set(o, node);
    this.open.add(o);
    for (const k of keys) node.entries.push(this.child(k, k), this.child(k, o[k]));
    this.open.delete(o);
    return node;
  }

  private map(m: Map<unknown, unknown>): MapNode | Map<unknown, unknown> {
    this.open.add(m);
    if (this.nativeMaps) {
      const out = new Map<unknown, unknown>();
      this.seen.set(m, out);
      for (const [k, v] of m) out.set(this.child({ mapKey: k }, k), this.child({ mapKey: k }, v));
      this.open.delete(m);
      return out;
    }
    const node = new MapNode([]);
    this.seen.set(m, node);
    for (const [k, v] of m) node.entries.push(this.child({ mapKey: k }, k), this.child({ mapKey: k }, v));
    this.open.delete(m);
    return node;
  }

  private set(s: Set<unknown>): Set<unknown> {
    const out = new Set<unknown>();
    this.seen.set(s, out);
    this.open.add(s);
    for (const v of s) out.add(this.child('<set>', v));
    this.open.delete(s);
    return out;
  }

  private classRef(cls: Function): number | undefined {
    const registered = registeredByClass(cls);
    if (registered) return this.ref(`r:${registered.name}`, { r: registered.name });
    const exported = classExportRef(cls);
    if (exported) return this.ref(`m:${exported.m}#${exported.e}`, exported);
    return undefined;
  }

  private instance(o: object, ctor: Function | undefined): ClassNode | Record<string, unknown> {
    if (!ctor) throw new Unsendable('it has no constructor', 'send a plain object');
    const registered = registeredByClass(ctor);
    const index = this.classRef(ctor);
    if (index === undefined) {
      const loc = locate(ctor);
      throw new Unsendable(
        `it is an instance of class ${ctor.name || '(anonymous)'}, which is not exported from ${loc ? displayPath(loc.url) : 'its module'}`,
        `export the class, or call registerClass(${ctor.name || 'TheClass'}) in a module both sides import`,
      );
    }
    if (!registered?.reduce) {
      const copy: Record<string, unknown> = {};
      this.seen.set(o, copy);
      this.open.add(o);
      for (const k of Object.keys(o)) {
        if (k === '__proto__') throw new Unsendable("it has an own property named '__proto__'", 'rename that field before sending');
        copy[k] = this.child(k, (o as Record<string, unknown>)[k]);
      }
      this.open.delete(o);
      copy[CLASS_MARK] = index;
      return copy;
    }
    const node = new ClassNode(index, undefined, true);
    this.seen.set(o, node);
    (node as { state: unknown }).state = this.any(registered.reduce(o));
    return node;
  }

  private error(e: Error): ErrorNode {
    let cls: number | string | undefined;
    for (let c: Function | null = e.constructor; c && c !== Object; c = Object.getPrototypeOf(c) as Function | null) {
      if (BUILTIN_ERRORS.has(c.name) && builtinErrorClasses[c.name] === c) {
        cls = c.name;
        break;
      }
      cls = this.classRef(c);
      if (cls !== undefined) break;
    }
    const props: Record<string, unknown> = {};
    let any = false;
    {
      const node = new ErrorNode(cls ?? 'Error', String(e.message), typeof e.stack === 'string' ? e.stack : undefined, null, undefined, 'cause' in e);
      this.seen.set(e, node);
      for (const k of Object.keys(e)) {
        if (k === 'stack' || k === 'message' || k === 'cause') continue;
        props[k] = this.safe((e as unknown as Record<string, unknown>)[k]);
        any = true;
      }
      const proto = e.constructor?.prototype as { name?: unknown } | undefined;
      if (e.name !== proto?.name || cls === undefined) {
        props.name = String(e.name);
        any = true;
      }
      if (e instanceof AggregateError) {
        props.errors = this.safe(e.errors);
        any = true;
      }
      (node as { props: unknown }).props = any ? props : null;
      if ('cause' in e) (node as { cause: unknown }).cause = this.safe(e.cause);
      return node;
    }
  }

  private safe(v: unknown): unknown {
    try {
      return this.any(v);
    } catch (err) {
      if (err instanceof Unsendable) return `[not transferable: ${err.what}]`;
      throw err;
    }
  }
}
