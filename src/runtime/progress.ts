// Where a pool worker records the sequence number of the task it starts, readable by the
// parent after the worker died. This lets results travel in batches while a death is still
// attributed exactly (the started task rejects, later ones are requeued, none runs twice).
// Threads share an Int32Array; so does a child process where the native addon loads (a small
// segment it attaches by name at start, then unlinks: an Atomics store per task, exact like a
// thread's). Without the addon a child writes 4 bytes into an unlinked file on tmpfs whose
// descriptor both sides hold (fd 4 in the child): one pwrite, so only while results are batched.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeAddon } from '../native/addon.js';
import { processAlive } from './pid.js';

/** Parent side. `exact`: the worker records every task it starts (the shared cell), not only batched ones. */
export interface ProgressReader {
  read(): number;
  close(): void;
  exact?: boolean;
}
/** Worker side. `shared`: writing is free (an Atomics store), so it can be done every time. */
export type ProgressWriter = ((seq: number) => void) & { shared?: boolean };

export const CHILD_PROGRESS_FD = 4;

export function sharedProgress(): { buffer: SharedArrayBuffer; reader: ProgressReader } {
  const cells = new Int32Array(new SharedArrayBuffer(4));
  return { buffer: cells.buffer as SharedArrayBuffer, reader: { read: () => Atomics.load(cells, 0), close() {}, exact: true } };
}

export function sharedProgressWriter(buffer: SharedArrayBuffer): ProgressWriter {
  const cells = new Int32Array(buffer);
  return Object.assign(
    (seq: number) => {
      Atomics.store(cells, 0, seq);
    },
    { shared: true },
  );
}

/** A child process's cell in shared memory (the addon loads), or null. */
export function segmentProgress(): { name: string; reader: ProgressReader } | null {
  const addon = nativeAddon();
  if (!addon) return null;
  sweepStaleCells();
  // Not tracked (that would start the tracker process with every first pool): the child
  // unlinks the name once it has attached, the parent when the worker ends, and a parent
  // killed in between leaves a name that the next program sweeps (its pid is in the name).
  const name = `mp-progress-${process.pid}-${++counter}`;
  let sab: SharedArrayBuffer;
  try {
    sab = addon.open(`/${name}`, 4, true, true);
  } catch {
    return null;
  }
  const cells = new Int32Array(sab, 0, 1);
  let closed = false;
  return {
    name,
    reader: {
      read: () => Atomics.load(cells, 0),
      close: () => {
        if (!closed) {
          closed = true;
          try {
            addon.unlink(`/${name}`);
          } catch {
            /* unlinked by the child */
          }
        }
      },
      exact: true,
    },
  };
}

/**
 * Child side: attaches the parent's cell, then unlinks its name. Throws if it cannot: the
 * parent trusts the cell as exact, so a worker without it must not run.
 */
export function segmentProgressWriter(name: string): ProgressWriter {
  const addon = nativeAddon();
  if (!addon) throw new Error('internal: a progress cell in shared memory without the native addon');
  const sab = addon.open(`/${name}`, 0, false, false);
  try {
    addon.unlink(`/${name}`);
  } catch {
    /* gone already */
  }
  return sharedProgressWriter(sab);
}

let swept = false;
/** Unlinks the cells of parents that died before their children attached (once per process). */
function sweepStaleCells(): void {
  if (swept) return;
  swept = true;
  let names: string[];
  try {
    names = fs.readdirSync('/dev/shm');
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(/^mp-progress-(\d+)-\d+$/.exec(n)?.[1]);
    if (!pid || processAlive(pid)) continue;
    try {
      fs.unlinkSync(`/dev/shm/${n}`);
    } catch {
      /* another user's, or gone */
    }
  }
}

const dir = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
let counter = 0;

/** An unlinked 4-byte file: nothing is left behind, even if both processes are killed. */
export function fileProgress(): { fd: number; reader: ProgressReader } | null {
  try {
    const file = path.join(dir, `multiproc-progress-${process.pid}-${++counter}`);
    const fd = fs.openSync(file, 'w+', 0o600);
    fs.unlinkSync(file);
    fs.writeSync(fd, Buffer.alloc(4), 0, 4, 0);
    const buf = Buffer.alloc(4);
    let closed = false;
    return {
      fd,
      reader: {
        read: () => {
          if (closed) return 0;
          fs.readSync(fd, buf, 0, 4, 0);
          return buf.readInt32LE(0);
        },
        close: () => {
          if (!closed) {
            closed = true;
            fs.closeSync(fd);
          }
        },
      },
    };
  } catch {
    return null; // no writable tmpfs: the worker then sends each result before the next task
  }
}

export function fileProgressWriter(fd: number): ProgressWriter {
  const buf = Buffer.alloc(4);
  return (seq) => {
    buf.writeInt32LE(seq, 0);
    fs.writeSync(fd, buf, 0, 4, 0);
  };
}
