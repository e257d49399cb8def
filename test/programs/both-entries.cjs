// A CommonJS program that uses both entries: require('multiproc') and import('multiproc') are
// one library (the CommonJS entry loads the ES module build), so classes are the same and
// instanceof holds across them.
const cjs = require('multiproc');
const { isMainEntry } = cjs;

function square(x) {
  return x * x;
}
module.exports = { square };

if (isMainEntry(module)) {
  import('multiproc').then(async (esm) => {
    console.log('same module', cjs === esm || Object.keys(esm).every((k) => k === 'default' || cjs[k] === esm[k]));
    const queue = new cjs.Queue();
    console.log('instanceof', queue instanceof esm.Queue, new esm.Value('i', 1) instanceof cjs.SynchronizedValue);
    queue.close();
    const pool = new esm.Pool({ processes: 1, context: process.argv[2] ?? 'process' });
    console.log('map', JSON.stringify(await pool.map(square, [1, 2, 3])));
    const [a, b] = cjs.Pipe();
    console.log('connection', a instanceof esm.Connection);
    a.close();
    b.close();
    pool.close();
    await pool.join();
  });
}
