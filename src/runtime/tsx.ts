// When the program runs under tsx, its workers need a TypeScript loader for the program's .ts
// modules (functions/ts-loader.ts): they start without tsx's flags. Find tsx's API once.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { runtimeState } from '../util/state.js';

export function detectTsx(): void {
  const state = runtimeState();
  if (state.isWorker || state.tsxApi !== undefined) return;
  if (!process.execArgv.some((a) => /[\\/]tsx[\\/]/.test(a) || a === 'tsx')) return;
  try {
    state.tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    // A CommonJS program under tsx: tsx compiled this module for require(), without
    // import.meta.resolve. Node's require finds the same package (its CommonJS file).
    try {
      const file = createRequire(import.meta.url).resolve('tsx/esm/api');
      state.tsxApi = pathToFileURL(file.replace(/\.cjs$/, '.mjs')).href;
    } catch {
      // tsx is not resolvable from here: workers will report the missing loader.
    }
  }
}
