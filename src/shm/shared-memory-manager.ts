// CPython's SharedMemoryManager: SharedMemory blocks and ShareableLists made through it are
// unlinked together when it shuts down (at the end of an `await using` block, by shutdown(),
// or when the process that started it exits). CPython keeps the list of names in a server
// process; here the starting process keeps it (nothing else can create through the manager,
// so no server is needed), and the resource tracker still unlinks them if the program dies.
import { kReduce } from '../codec/reduce.js';
import { errors } from '../errors.js';
import { globalSingleton } from '../util/state.js';
import { ShareableList, type ShareableValue } from './shareable-list.js';
import { SharedMemory } from './shared-memory.js';
import { unlinkSegment } from './segment.js';

type State = 'initial' | 'started' | 'shutdown';

/** Started managers of this thread, shut down when it exits (CPython's manager finalizer). */
const running = globalSingleton('sharedMemoryManagers', () => {
  const set = new Set<SharedMemoryManager>();
  process.on('exit', () => {
    for (const m of set) m.unlinkAll();
  });
  return set;
});

export class SharedMemoryManager {
  #state: State = 'initial';
  readonly #names = new Set<string>();

  /** Nothing to wait for (no server process); async to match CPython's start() and BaseManager. */
  async start(): Promise<void> {
    if (this.#state !== 'initial') throw errors.managerState('start(): this SharedMemoryManager was already started or shut down; create a new one');
    this.#state = 'started';
    running.add(this);
  }

  #check(what: string): void {
    if (this.#state !== 'started') {
      throw errors.managerNotRunning(
        this.#state === 'shutdown'
          ? `${what}: the SharedMemoryManager was shut down`
          : `${what}: call start() first (or use \`await using smm = await SharedMemoryManager.started()\`)`,
      );
    }
  }

  /** A started manager: `await using smm = await SharedMemoryManager.started()`. */
  static async started(): Promise<SharedMemoryManager> {
    const m = new SharedMemoryManager();
    await m.start();
    return m;
  }

  /** A new SharedMemory block of `size` bytes, unlinked when this manager shuts down. */
  SharedMemory(size: number): SharedMemory {
    this.#check('SharedMemory()');
    const shm = new SharedMemory({ create: true, size });
    this.#names.add(shm.name);
    return shm;
  }

  /** A new ShareableList holding `sequence`, unlinked when this manager shuts down. */
  ShareableList<T extends ShareableValue = ShareableValue>(sequence: Iterable<T>): ShareableList<T> {
    this.#check('ShareableList()');
    if (sequence === null || sequence === undefined) throw errors.invalidArgType('ShareableList(sequence): pass the initial items (an array or other iterable)');
    const list = new ShareableList<T>(sequence);
    this.#names.add(list.shm.name);
    return list;
  }

  /** Unlinks every segment made through this manager (handles already open keep their memory). */
  async shutdown(): Promise<void> {
    if (this.#state === 'shutdown') return;
    this.#state = 'shutdown';
    running.delete(this);
    this.unlinkAll();
  }

  /** @internal Synchronous part of shutdown (also run from the 'exit' event). */
  unlinkAll(): void {
    for (const name of this.#names) {
      try {
        unlinkSegment(name);
      } catch {
        /* unlinked already by its user */
      }
    }
    this.#names.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  [kReduce](): never {
    throw errors.notTransferable('a SharedMemoryManager stays in the process that started it; send the SharedMemory or ShareableList it made instead');
  }
}
