// Where a pool worker records the sequence number of the task it starts, readable by the
// parent after the worker died. This lets results travel in batches while a death is still
// attributed exactly (the started task rejects, later ones are requeued, none runs twice).
// Threads share an Int32Array; a child process writes 4 bytes into an unlinked file on
// tmpfs whose descriptor both sides hold (fd 4 in the child): one pwrite, no wake-up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Parent side. `exact`: the worker records every task it starts (the shared cell), not only batched ones. */
export interface ProgressReader { read(): number; close(): void; exact?: boolean }
/** Worker side. `shared`: writing is free (an Atomics store), so it can be done every time. */
export type ProgressWriter = ((seq: number) => void) & { shared?: boolean };

export const CHILD_PROGRESS_FD = 4;

export function sharedProgress(): { buffer: SharedArrayBuffer; reader: ProgressReader } {
  const cells = new Int32Array(new SharedArrayBuffer(4));
  return { buffer: cells.buffer as SharedArrayBuffer, reader: { read: () => Atomics.load(cells, 0), close() {}, exact: true } };
}

export function sharedProgressWriter(buffer: SharedArrayBuffer): ProgressWriter {
  const cells = new Int32Array(buffer);
  return Object.assign((seq: number) => { Atomics.store(cells, 0, seq); }, { shared: true });
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
        read: () => { if (closed) return 0; fs.readSync(fd, buf, 0, 4, 0); return buf.readInt32LE(0); },
        close: () => { if (!closed) { closed = true; fs.closeSync(fd); } },
      },
    };
  } catch {
    return null; // no writable tmpfs: the worker then sends each result before the next task
  }
}

export function fileProgressWriter(fd: number): ProgressWriter {
  const buf = Buffer.alloc(4);
  return (seq) => { buf.writeInt32LE(seq, 0); fs.writeSync(fd, buf, 0, 4, 0); };
}
