// `npm run test:node -- <major> [--fast | test files...]`: the test suite on another Node major
// (20, 22, 24, 26) without touching this checkout's build/: that Node comes from the npm
// registry (node-major.mjs, cached under node_modules/.cache), the addon is compiled by it
// against its own headers into node_modules/.cache/multiproc-node/addon/abi<N>, and the tests
// run with that Node first on PATH and MULTIPROC_ADDON naming that addon (children and
// workers inherit both). `--fast`: only the fast suites (test/fast-suites.json), what CI
// runs on the majors it does not run in full. The files run as `npm test` runs them
// (scripts/test-suite.mjs: two at a time, then test/serial-suites.json one at a time).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compile, sourceHash } from './addon.mjs';
import { cacheRoot, nodeMajor, root } from './node-major.mjs';
import { runSuite, suiteFiles } from './test-suite.mjs';

const [major, ...rest] = process.argv.slice(2);
if (!major) {
  console.error('usage: npm run test:node -- <major> [--fast | test/<file>.test.ts ...]');
  process.exit(2);
}
const node = nodeMajor(major);

const workDir = path.join(cacheRoot, 'addon', `abi${node.abi}`);
const addon = path.join(workDir, 'build', 'Release', 'multiproc.node');
const record = path.join(workDir, 'multiproc.json');
const hash = sourceHash();
const fresh =
  existsSync(addon) &&
  (() => {
    try {
      return JSON.parse(readFileSync(record, 'utf8')).hash === hash;
    } catch {
      return false;
    }
  })();
if (!fresh) {
  console.error(`multiproc: compiling the addon for Node ${node.version} (ABI ${node.abi})`);
  compile({ nodeBin: node.bin, nodedir: node.nodedir, workDir });
  writeFileSync(record, `${JSON.stringify({ hash, abi: node.abi, node: node.version }, null, 2)}\n`);
}
if (!existsSync(path.join(root, 'dist', 'esm', 'index.js'))) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });

const files = suiteFiles(rest);
console.error(`multiproc: ${files.length} test file(s) on Node ${node.version}`);
const env = { ...process.env, PATH: `${path.dirname(node.bin)}${path.delimiter}${process.env.PATH}`, MULTIPROC_ADDON: addon };
// The same bound as npm test: Node 22 and later apply --test-timeout to each whole file too.
process.exitCode = runSuite({ nodeBin: node.bin, env, files, timeoutMs: 900_000 });
