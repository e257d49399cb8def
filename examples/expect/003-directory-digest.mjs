import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { expectCleanStderr, expectExit, expectLines, lines } from './_lib.mjs';

// The same fixture as examples/003-directory-digest.ts
const DIRS = ['', 'a', 'a/b', 'c'];
function fixtureContent(k) {
  const buf = Buffer.alloc(k * 997);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 31 + k * 7) & 0xff;
  return buf;
}
function fixturePath(k) {
  return posix.join(DIRS[k % DIRS.length], `file-${String(k).padStart(2, '0')}.bin`);
}

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  const rows = [];
  for (let k = 0; k < 30; k++) {
    rows.push([fixturePath(k), createHash('sha512').update(fixtureContent(k)).digest('hex')]);
  }
  rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  expectLines(lines(stdout), ['30', 'every digest is a Buffer: true', ...rows.map(([f, h]) => `${f} ${h}`)]);
}
