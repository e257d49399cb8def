// A manager's dict, list, Namespace, Value and SharedArray. Values are codec bytes kept as
// sent; dict keys are decoded (never running code: only primitives are accepted) so that
// 0.25, 2 and '2' stay different keys. A list compares items by their encoded bytes (equal
// primitives and identical structures match) and sorts only numbers, bigints or strings,
// decoded as dict keys are.
import { decode } from '../../codec/codec.js';
import { errors } from '../../errors.js';
import type { HubObject, Peer } from '../hub-object.js';
import type { DictOps, ListOps, NamespaceOps, OpCall, SlotsOps } from '../ops.js';

export function bytes(v: unknown, what = 'value'): Uint8Array {
  if (!(v instanceof Uint8Array)) throw errors.invalidMessage(`${what} must be encoded bytes`);
  return v;
}

type Key = string | number | boolean | bigint | null | undefined;

/** A dict key or set element: a primitive, decoded without running code. */
export function decodeKey(kb: unknown): Key {
  const b = bytes(kb, 'key');
  // The usual keys, small integers, read without the decoder: a positive fixint, or an int32
  // (the two forms the codec gives integers of that range; see encodeNumber).
  if (b.length === 1 && b[0]! < 0x80) return b[0]!;
  if (b.length === 5 && b[0] === 0xd2) return (b[1]! << 24) | (b[2]! << 16) | (b[3]! << 8) | b[4]!;
  const k = decode(b, { allowModules: false });
  const t = typeof k;
  if (k === null || t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || t === 'undefined') return k as Key;
  throw errors.invalidArgType('dict keys must be strings, numbers, booleans, bigints, null or undefined');
}

export const noOp = (type: string, op: string) => errors.unknownOperation(`${type} has no operation '${op}'`);

export class DictObject implements HubObject {
  readonly type = 'dict';
  /** key -> [key bytes, value bytes] */
  private readonly map = new Map<Key, [Uint8Array, Uint8Array]>();

  constructor(init: unknown[] = []) {
    for (let i = 0; i + 1 < init.length; i += 2) this.set(init[i], init[i + 1]);
  }

  private set(kb: unknown, vb: unknown): void {
    this.map.set(decodeKey(kb), [bytes(kb, 'key'), bytes(vb)]);
  }

  call(_peer: Peer, ...[op, a, reply]: OpCall<DictOps>): void {
    switch (op) {
      case 'set':
        this.set(a[0], a[1]);
        reply.ok();
        return;
      case 'get':
        reply.ok(this.map.get(decodeKey(a[0]))?.[1] ?? null);
        return;
      case 'has':
        reply.ok(this.map.has(decodeKey(a[0])));
        return;
      case 'delete':
        reply.ok(this.map.delete(decodeKey(a[0])));
        return;
      case 'pop': {
        const k = decodeKey(a[0]);
        const e = this.map.get(k);
        this.map.delete(k);
        reply.ok(e?.[1] ?? null);
        return;
      }
      case 'setdefault': {
        const k = decodeKey(a[0]);
        if (!this.map.has(k)) this.map.set(k, [bytes(a[0]), bytes(a[1])]);
        reply.ok(this.map.get(k)![1]);
        return;
      }
      case 'update': {
        const kv = a[0] as unknown[];
        for (let i = 0; i + 1 < kv.length; i += 2) this.set(kv[i], kv[i + 1]);
        reply.ok();
        return;
      }
      case 'size':
        reply.ok(this.map.size);
        return;
      case 'clear':
        this.map.clear();
        reply.ok();
        return;
      case 'popitem': {
        // The last inserted pair, as Python's dict.popitem() (LIFO).
        let last: [Key, [Uint8Array, Uint8Array]] | undefined;
        for (const e of this.map) last = e;
        if (!last) throw errors.outOfRange('popitem(): the dict is empty');
        this.map.delete(last[0]);
        reply.ok(last[1]);
        return;
      }
      case 'entries': {
        const out: Uint8Array[] = [];
        for (const [kb, vb] of this.map.values()) out.push(kb, vb);
        reply.ok(out);
        return;
      }
      default:
        throw noOp(this.type, op);
    }
  }

  peerGone(): void {}
}

export class ListObject implements HubObject {
  readonly type = 'list';
  private readonly items: Uint8Array[];

  constructor(init: unknown[] = []) {
    this.items = init.map((v) => bytes(v));
  }

  private index(i: unknown, forInsert = false): number {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw errors.invalidArgType('list index must be an integer');
    const n = this.items.length;
    const j = i < 0 ? i + n : i;
    if (forInsert) return Math.max(0, Math.min(n, j));
    if (j < 0 || j >= n) throw errors.outOfRange(`list index ${i} out of range (length ${n})`);
    return j;
  }

  call(_peer: Peer, ...[op, a, reply]: OpCall<ListOps>): void {
    switch (op) {
      case 'append':
        this.items.push(bytes(a[0]));
        reply.ok();
        return;
      case 'extend':
        for (const v of a[0] as unknown[]) this.items.push(bytes(v));
        reply.ok();
        return;
      case 'get':
        reply.ok(this.items[this.index(a[0])]);
        return;
      case 'set':
        this.items[this.index(a[0])] = bytes(a[1]);
        reply.ok();
        return;
      case 'insert':
        this.items.splice(this.index(a[0], true), 0, bytes(a[1]));
        reply.ok();
        return;
      case 'pop': {
        if (this.items.length === 0) throw errors.outOfRange('pop from an empty list');
        reply.ok(this.items.splice(a[0] === null || a[0] === undefined ? this.items.length - 1 : this.index(a[0]), 1)[0]);
        return;
      }
      case 'length':
        reply.ok(this.items.length);
        return;
      case 'clear':
        this.items.length = 0;
        reply.ok();
        return;
      case 'toArray':
        reply.ok(this.items);
        return;
      case 'slice':
        reply.ok(sliceIndexes(this.items.length, a[0], a[1], a[2]).map((i) => this.items[i]!));
        return;
      case 'splice': {
        const start = this.index(a[0], true);
        const count = a[1] === null || a[1] === undefined ? this.items.length - start : nonNegative(a[1]);
        const added = (Array.isArray(a[2]) ? a[2] : []).map((v) => bytes(v));
        reply.ok(this.items.splice(start, count, ...added));
        return;
      }
      case 'count': {
        const v = bytes(a[0]);
        let n = 0;
        for (const b of this.items) if (Buffer.compare(b, v) === 0) n++;
        reply.ok(n);
        return;
      }
      case 'index': {
        const v = bytes(a[0]),
          n = this.items.length;
        const from = a[1] === null || a[1] === undefined ? 0 : this.index(a[1], true);
        const to = a[2] === null || a[2] === undefined ? n : this.index(a[2], true);
        for (let i = from; i < to; i++)
          if (Buffer.compare(this.items[i]!, v) === 0) {
            reply.ok(i);
            return;
          }
        throw notFound();
      }
      case 'remove': {
        const v = bytes(a[0]);
        const i = this.items.findIndex((b) => Buffer.compare(b, v) === 0);
        if (i < 0) throw notFound();
        this.items.splice(i, 1);
        reply.ok();
        return;
      }
      case 'reverse':
        this.items.reverse();
        reply.ok();
        return;
      case 'sort':
        this.sort(a[0] === true);
        reply.ok();
        return;
      default:
        throw noOp(this.type, op);
    }
  }

  /** Sorts numbers and bigints together, or strings (as Python compares them); stable. */
  private sort(reverse: boolean): void {
    const keyed = this.items.map((b) => {
      const k = decode(b, { allowModules: false }) as unknown;
      if (typeof k !== 'number' && typeof k !== 'bigint' && typeof k !== 'string') {
        throw errors.invalidArgType('sort() on a manager list orders numbers, bigints or strings; for other items, sort a copy (toArray()) and write it back with splice()');
      }
      return { k, b };
    });
    const strings = keyed.filter((e) => typeof e.k === 'string').length;
    if (strings !== 0 && strings !== keyed.length) throw errors.invalidArgType('sort(): strings and numbers cannot be ordered together');
    keyed.sort((x, y) => {
      const c = x.k < y.k ? -1 : x.k > y.k ? 1 : 0;
      return reverse ? -c : c;
    });
    for (let i = 0; i < keyed.length; i++) this.items[i] = keyed[i]!.b;
  }

  peerGone(): void {}
}

const notFound = () => errors.valueNotFound('the value is not in the list');

function nonNegative(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw errors.invalidArgType('a count must be an integer');
  return Math.max(0, v);
}

/** The indexes Python's `items[start:end:step]` selects from a list of `n` items. */
export function sliceIndexes(n: number, start: unknown, end: unknown, step: unknown): number[] {
  const opt = (v: unknown, what: string): number | null => {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw errors.invalidArgType(`slice ${what} must be an integer`);
    return v;
  };
  const st = opt(step, 'step') ?? 1;
  if (st === 0) throw errors.outOfRange('slice step cannot be zero');
  const clamp = (v: number | null, fallback: number, lo: number, hi: number) => {
    if (v === null) return fallback;
    const j = v < 0 ? v + n : v;
    return Math.max(lo, Math.min(hi, j));
  };
  const out: number[] = [];
  if (st > 0) {
    const from = clamp(opt(start, 'start'), 0, 0, n),
      to = clamp(opt(end, 'end'), n, 0, n);
    for (let i = from; i < to; i += st) out.push(i);
  } else {
    const from = clamp(opt(start, 'start'), n - 1, -1, n - 1),
      to = clamp(opt(end, 'end'), -1, -1, n - 1);
    for (let i = from; i > to; i += st) out.push(i);
  }
  return out;
}

export class NamespaceObject implements HubObject {
  readonly type = 'Namespace';
  private readonly attrs = new Map<string, Uint8Array>();

  private name(v: unknown): string {
    if (typeof v !== 'string') throw errors.invalidArgType('Namespace attribute names are strings');
    return v;
  }

  call(_peer: Peer, ...[op, a, reply]: OpCall<NamespaceOps>): void {
    switch (op) {
      case 'set':
        this.attrs.set(this.name(a[0]), bytes(a[1]));
        reply.ok();
        return;
      case 'get': {
        const v = this.attrs.get(this.name(a[0]));
        if (!v) throw errors.noAttribute(`Namespace has no attribute '${String(a[0])}'; set it first`);
        reply.ok(v);
        return;
      }
      case 'has':
        reply.ok(this.attrs.has(this.name(a[0])));
        return;
      case 'delete':
        reply.ok(this.attrs.delete(this.name(a[0])));
        return;
      case 'entries': {
        const out: (string | Uint8Array)[] = [];
        for (const [k, v] of this.attrs) out.push(k, v);
        reply.ok(out);
        return;
      }
      default:
        throw noOp(this.type, op);
    }
  }

  peerGone(): void {}
}

/** A manager's Value (one slot) and SharedArray (fixed length); typecodes are checked by the proxy. */
export class SlotsObject implements HubObject {
  private readonly slots: Uint8Array[];

  constructor(
    readonly type: 'Value' | 'SharedArray',
    init: unknown[],
  ) {
    this.slots = init.map((v) => bytes(v));
  }

  private index(i: unknown): number {
    const n = this.slots.length;
    if (typeof i !== 'number' || !Number.isInteger(i)) throw errors.invalidArgType('index must be an integer');
    const j = i < 0 ? i + n : i;
    if (j < 0 || j >= n) throw errors.outOfRange(`index ${i} out of range (length ${n})`);
    return j;
  }

  call(_peer: Peer, ...[op, a, reply]: OpCall<SlotsOps>): void {
    switch (op) {
      case 'get':
        reply.ok(this.slots[this.index(a[0] ?? 0)]);
        return;
      case 'set':
        this.slots[this.index(a[0] ?? 0)] = bytes(a[1]);
        reply.ok();
        return;
      case 'length':
        reply.ok(this.slots.length);
        return;
      case 'toArray':
        reply.ok(this.slots);
        return;
      default:
        throw noOp(this.type, op);
    }
  }

  peerGone(): void {}
}
