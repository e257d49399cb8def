// Node built-ins that only some workers need, loaded on first use: a worker thread compiles
// every built-in it imports (node:net and node:child_process alone cost ~20 ms there).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const lazyNet = (): typeof import('node:net') => require('node:net') as typeof import('node:net');
export const lazyChildProcess = (): typeof import('node:child_process') => require('node:child_process') as typeof import('node:child_process');
export const lazyInspector = (): typeof import('node:inspector') => require('node:inspector') as typeof import('node:inspector');
