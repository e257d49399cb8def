// The resource tracker process (dist/esm/tracker.js; started by tracker.ts, see there).
// stdin is a FIFO; the processes of one program tree hold write ends of it and send
// `+name` / `-name` lines. EOF means every writer ended (normally or killed): the segments
// still registered were never unlinked, so unlink them now, then exit. Given `<pid>:<start>`
// (a worker's tracker), it first waits for that process (the worker's program) to end too.
// Silent by design (NODE_DEBUG=multiproc shows what it cleans): Value and SharedArray
// segments are left to it on purpose, and a warning would then follow every such program.
import { readFileSync, unlinkSync } from 'node:fs';
import { debuglog } from 'node:util';

const debug = debuglog('multiproc');
const live = new Set<string>();

// Ctrl-C or a `kill` aimed at the program must not stop the cleanup (CPython ignores these
// too); the tracker ends by itself at EOF.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  let nl: number;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    const name = line.slice(1);
    // Names passed checkName (no '/'); anything else is not ours to touch.
    if (name.length === 0 || name.includes('/') || name.includes('\0') || name === '.' || name === '..') continue;
    if (line[0] === '+') live.add(name);
    else if (line[0] === '-') live.delete(name);
  }
});

/** The process `<pid>:<start time>` still runs (not a zombie, not a reused pid). */
function alive(spec: string): boolean {
  const [pid, start] = spec.split(':');
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[19] === start;
  } catch {
    return false;
  }
}

let done = false;
function finish(): void {
  if (done) return;
  const outlive = process.argv[2];
  if (outlive && alive(outlive)) {
    setTimeout(finish, 200);
    return;
  }
  done = true;
  const cleaned: string[] = [];
  for (const name of live) {
    try {
      unlinkSync(`/dev/shm/${name}`); // what glibc's shm_unlink does on Linux
      cleaned.push(name);
    } catch {
      // Already gone (unlinked by a process whose `-name` never came): nothing leaked.
    }
  }
  if (cleaned.length > 0) debug('tracker %d unlinked %d shared memory segment(s) left by the program: %s', process.pid, cleaned.length, cleaned.join(', '));
  process.exit(0);
}
process.stdin.on('end', finish);
process.stdin.on('error', finish);
