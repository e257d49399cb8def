// CPython's multiprocessing.shared_memory.SharedMemory: a named block of bytes any process can
// attach to by name. A segment this program creates is unlinked by the resource tracker when
// the program ends if nobody unlinked it first (tracker.ts).
import { registerSharedType } from '../codec/codec.js';
import { kReduce } from '../codec/reduce.js';
import { errors } from '../errors.js';
import { globalSingleton } from '../util/state.js';
import { nativeAddon } from '../native/addon.js';
import { checkCrossing } from './crossing.js';
import { attachSegment, createSegment, knownBuffers, unlinkSegment, type Segment } from './segment.js';

export interface SharedMemoryOptions {
  /** Without it (and with `create`), a fresh name `psm_<hex>` is picked. */
  name?: string;
  /** Create a new segment (true) or attach to an existing one (false, the default). */
  create?: boolean;
  /** Bytes, when creating (a positive integer). Ignored when attaching: the segment knows its size. */
  size?: number;
}

/** Open handles per name in this thread: the last close() drops this thread's cached mapping. */
const openHandles = globalSingleton('sharedMemoryHandles', () => new Map<string, number>());

export class SharedMemory {
  #segment: Segment | null;
  #buf: Uint8Array | null;
  readonly #name: string;
  readonly #size: number;

  constructor(options: SharedMemoryOptions = {}) {
    if (options === null || typeof options !== 'object') throw errors.invalidArgType('SharedMemory takes an options object: { name?, create?, size? }');
    const { name, create = false, size = 0 } = options;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw errors.outOfRange(`SharedMemory size must be a positive integer, got ${String(size)}`);
    }
    let segment: Segment;
    if (create) {
      if (size === 0) throw errors.outOfRange('SharedMemory size must be a positive integer when creating, got 0');
      segment = createSegment(size, name);
    } else {
      if (name === undefined) throw errors.invalidArgValue('SharedMemory needs a name to attach to (or pass create: true to make a new one)');
      segment = attachSegment(name);
    }
    this.#segment = segment;
    this.#name = segment.name;
    this.#size = segment.size;
    this.#buf = new Uint8Array(segment.sab, 0, segment.size);
    openHandles.set(this.#name, (openHandles.get(this.#name) ?? 0) + 1);
  }

  /** The name, without a leading '/': pass it to another process to attach there. */
  get name(): string {
    return this.#name;
  }

  /** Size in bytes. */
  get size(): number {
    return this.#size;
  }

  /** The shared bytes (exactly `size` of them). Throws ERR_SHM_CLOSED after close(). */
  get buf(): Uint8Array {
    if (!this.#buf) throw errors.shmClosed(`SharedMemory '${this.#name}' was closed; attach again with new SharedMemory({ name: '${this.#name}' })`);
    return this.#buf;
  }

  /** @internal The SharedArrayBuffer behind `buf` (ShareableList reads it through a DataView). */
  get sharedBuffer(): SharedArrayBuffer {
    void this.buf;
    return this.#segment!.sab;
  }

  /**
   * Stops using the memory from this handle. Other handles, here or elsewhere, keep it; the
   * mapping goes once nothing in this thread refers to it. Does not remove the name: unlink() does.
   */
  close(): void {
    if (!this.#segment) return;
    const n = (openHandles.get(this.#name) ?? 1) - 1;
    if (n > 0) openHandles.set(this.#name, n);
    else {
      openHandles.delete(this.#name);
      // A POSIX segment can be attached again by name; thread-local memory (no addon) has only this map.
      if (nativeAddon() && knownBuffers.get(this.#name) === this.#segment.sab) knownBuffers.delete(this.#name);
    }
    this.#segment = null;
    this.#buf = null;
  }

  /**
   * Removes the name (call it once, from one process): processes that attached keep the
   * memory until they close it; nobody can attach any more. ERR_SHM_NOT_FOUND the second time.
   */
  unlink(): void {
    unlinkSegment(this.#name);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `SharedMemory(${JSON.stringify(this.#name)}, size=${this.#size})`;
  }

  // Travels as its name; the receiver attaches (the name must still exist then, as in CPython).
  [kReduce]() {
    checkCrossing(`SharedMemory '${this.#name}'`);
    return { type: 'multiproc.SharedMemory', state: this.#name };
  }
}

registerSharedType('multiproc.SharedMemory', (state) => {
  if (typeof state !== 'string') throw errors.invalidMessage('malformed SharedMemory in message');
  return new SharedMemory({ name: state });
});
