// Telling a worker that ran out of memory from one that died of something else.
// A thread says so itself: Node ends it with an 'error' whose code is ERR_WORKER_OUT_OF_MEMORY.
// A child process is aborted by V8's fatal-error handler (SIGABRT), like any other fatal error;
// to know it was the heap, the child asks Node to write a diagnostic report on a fatal error
// into a private directory of its parent (0700, removed when the parent exits), and the parent
// reads the report's trigger after the child exited. Without a report (it could not be
// written, or the program configured reports itself), a SIGABRT of a child that ran under a
// heap limit counts as out of memory. A parent killed by a signal cannot remove its directory:
// the next program that makes one removes those of processes that no longer exist.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errors } from '../errors.js';

/** Node's code for a worker thread stopped at its heap limit; the library uses it for processes too. */
export const OOM_CODE = errors.workerOutOfMemory.code;

let dir: string | null | undefined;
let counter = 0;

function reportDir(): string | null {
  if (dir !== undefined) return dir;
  try {
    const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
    const made = fs.mkdtempSync(path.join(base, `multiproc-fatal-${process.pid}-`));
    dir = made;
    process.on('exit', () => {
      try {
        fs.rmSync(made, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    });
    sweepStale(base);
  } catch {
    dir = null;
  }
  return dir;
}

/** Removes the directories of parents that died without cleaning up (SIGKILL). */
function sweepStale(base: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^multiproc-fatal-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    try {
      fs.rmSync(path.join(base, name), { recursive: true, force: true });
    } catch {
      /* another user's, or gone */
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** Parent side: where a new child process should write a report if it dies of a fatal error. */
export function fatalReportPath(): string | undefined {
  const d = reportDir();
  return d ? path.join(d, `${++counter}.json`) : undefined;
}

/** Child process side, before any user code: write a compact report to `file` on a fatal error. */
export function reportFatalErrorsTo(file: string): void {
  const report = process.report;
  // The program asked for fatal-error reports of its own: keep its settings.
  if (!report || report.reportOnFatalError) return;
  report.directory = path.dirname(file);
  report.filename = path.basename(file);
  (report as { excludeNetwork?: boolean }).excludeNetwork = true; // Node >= 20.13; older ones ignore it
  report.compact = true;
  report.reportOnFatalError = true;
}

/** Parent side, once the child exited: whether it died out of memory. Removes the report. */
export function diedOutOfMemory(file: string | undefined, signal: string | null, heapLimited: boolean): boolean {
  if (file) {
    let text: string | null = null;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      /* no fatal error, or no report written */
    }
    if (text !== null) {
      try {
        fs.rmSync(file, { force: true });
      } catch {
        /* the directory goes at exit anyway */
      }
      try {
        const header = (JSON.parse(text) as { header?: { trigger?: string; event?: string } }).header;
        if (header?.trigger === 'OOMError' || /out of memory/i.test(header?.event ?? '')) return true;
        return false;
      } catch {
        /* a report cut short: the signal decides */
      }
    }
  }
  return signal === 'SIGABRT' && heapLimited;
}
