// Seed 003: build a dict mapping every file under a directory tree to its SHA-512 digest, with Pool(4).imap_unordered(compute_digest, <generator over os.walk>, 20); compute_digest reads the file in 8192-byte chunks and returns (filename, digest bytes); the main prints len(digest_map).
// Here the tree is one the example creates in os.tmpdir() with known contents (so the digests can be checked), and the digests are printed too.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool, isMainEntry } from 'multiproc';

// Some parameters you can tweak
const BUFSIZE = 8192; // read buffer size
const POOLSIZE = 4; // number of worker processes

export function computeDigest(filename: string): [string, Buffer] | null {
  let fd: number;
  try {
    fd = fs.openSync(filename, 'r');
  } catch {
    return null;
  }
  const digest = createHash('sha512');
  const chunk = Buffer.alloc(BUFSIZE);
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, BUFSIZE, null);
    if (n === 0) break;
    digest.update(chunk.subarray(0, n));
  }
  fs.closeSync(fd);
  return [filename, digest.digest()];
}

// Like os.walk: every file below topdir, produced lazily.
function* allFiles(topdir: string): Generator<string> {
  for (const entry of fs.readdirSync(topdir, { withFileTypes: true })) {
    const full = path.join(topdir, entry.name);
    if (entry.isDirectory()) yield* allFiles(full);
    else if (entry.isFile()) yield full;
  }
}

export async function buildDigestMap(topdir: string): Promise<Map<string, Buffer>> {
  const digestPool = new Pool(POOLSIZE);
  const digestMap = new Map<string, Buffer>();
  for await (const item of digestPool.imapUnordered(computeDigest, allFiles(topdir), { chunksize: 20 })) {
    if (item) digestMap.set(item[0], item[1]);
  }
  digestPool.close();
  return digestMap;
}

// The fixture: 30 files in 4 directories; file k holds k * 997 bytes (0 to 28913, so up to 4 read chunks).
export const DIRS = ['', 'a', 'a/b', 'c'];
export function fixtureContent(k: number): Buffer {
  const buf = Buffer.alloc(k * 997);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 31 + k * 7) & 0xff;
  return buf;
}
export function fixturePath(k: number): string {
  return path.posix.join(DIRS[k % DIRS.length]!, `file-${String(k).padStart(2, '0')}.bin`);
}

if (isMainEntry(import.meta.url)) {
  const topdir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-digest-'));
  try {
    for (let k = 0; k < 30; k++) {
      const file = path.join(topdir, fixturePath(k));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, fixtureContent(k));
    }
    const digestMap = await buildDigestMap(topdir);
    console.log(digestMap.size);
    console.log(
      'every digest is a Buffer:',
      [...digestMap.values()].every((d) => Buffer.isBuffer(d)),
    );
    const rows = [...digestMap].map(([file, digest]) => [path.relative(topdir, file).split(path.sep).join('/'), Buffer.from(digest).toString('hex')]);
    rows.sort((x, y) => (x[0]! < y[0]! ? -1 : x[0]! > y[0]! ? 1 : 0));
    for (const [file, hex] of rows) console.log(file, hex);
  } finally {
    fs.rmSync(topdir, { recursive: true, force: true });
  }
}
