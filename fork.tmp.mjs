import { fork } from 'node:child_process';
if (process.argv[2] === 'kid') { if (process.argv[3]) await import(process.argv[3]); const m = await import('./t2.tmp.ts'); await m.t2('forked+' + process.argv[3]); process.exit(0); }
else for (const x of ['', './dist/esm/index.js', './dist/esm/bootstrap.js']) await new Promise((r) => fork(new URL(import.meta.url).pathname, ['kid', x], { execArgv: ['--import', 'tsx'] }).on('exit', r));
