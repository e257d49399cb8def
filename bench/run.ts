// multiproc benchmark suite: `npm run bench` (= node --import tsx bench/run.ts).
//
// Every measurement runs in its own fresh child process (Node scripts under bench/mp, bench/raw,
// bench/poolifier; CPython scripts under bench/python), each repeating and printing one JSON
// line of samples; a figure is the median of at least 5 samples (3 with --quick), printed with
// the sample count and range. Anchors are measured in the same run: CPython's multiprocessing
// (python3), raw Node floors (bench/raw) and poolifier. Goals are those of issue 15.
//
// Figures 1-6 (pool, Pipe, start-up): bench/figures-pool.ts. 7-13 (shared objects and shared
// memory): bench/figures-shared.ts. 14 (watching and sizing a pool) and 15 (cluster context):
// bench/figures-watch.ts. Running scripts: bench/harness.ts; rows and the table: bench/report.ts.
//
// Options: --only=1,3,6   run only these figures
//          --quick        fewer samples, no info or pinned rows; alone, the headline figures
//                         1, 2, 3, 6, 7, 8 (under a minute on a quiet 2-core machine)
//          --verbose      pass the scripts' stderr through
//          --json=FILE    also write the run's details, every row and every sample to FILE
import { jsonOut, want } from './harness.ts';
import { printFooter, printHeader, printTable, startInfo, writeJson } from './report.ts';
import { figure1, figure2, figure3, figure4, figure5, figure6 } from './figures-pool.ts';
import { figure7, figure8, figure9and10, figure11, figure12, figure13 } from './figures-shared.ts';
import { figure14, figure15 } from './figures-watch.ts';

const t0 = Date.now();
const info = startInfo();
printHeader(info);
process.stderr.write('running (each line is one fresh process):\n');

const figures: Array<[number, () => Promise<void>]> = [
  [1, figure1],
  [2, figure2],
  [3, figure3],
  [4, figure4],
  [5, figure5],
  [6, figure6],
  [7, figure7],
  [8, figure8],
  [9, () => figure9and10(want(9), want(10))],
  [11, figure11],
  [12, figure12],
  [13, figure13],
  [14, figure14],
  [15, figure15],
];
for (const [n, run] of figures) if (want(n) || (n === 9 && want(10))) await run();

console.log('');
printTable();
console.log('');
printFooter(info, t0);
if (jsonOut) writeJson(jsonOut, info);
