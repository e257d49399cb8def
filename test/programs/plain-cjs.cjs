// A CommonJS program: exports through module.exports, guard with isMainEntry(module).
const { Pool, isMainEntry } = require('multiproc');

function twice(x) {
  return x * 2;
}
module.exports = { twice };

if (isMainEntry(module)) {
  const context = process.argv[2] ?? 'process';
  const pool = new Pool({ processes: 2, context });
  pool.map(twice, [1, 2, 3]).then(async (r) => {
    console.log('map', JSON.stringify(r));
    pool.close();
    await pool.join();
  });
}
