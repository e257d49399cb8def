import { expectCleanStderr, expectExit, expectLines, lines } from './_lib.mjs';

export function check(stdout, stderr, exitCode) {
  expectExit(exitCode, stderr);
  expectCleanStderr(stderr);
  expectLines(lines(stdout), [
    'cpuCount() >= 1: true',
    'apply(greet): hello, pool',
    'apply(square, [7]): 49',
    'ready() at once: false',
    'successful() before ready throws ERR_RESULT_NOT_READY',
    'get(10) rejects TimeoutError: true TimeoutError',
    'after wait(): ready() true successful() true',
    'get(): 64',
    'await r: 64',
    'failed task: ready() true successful() false',
    'get() rethrows Error: There was an error!',
    'map: [0,1,4,9,16,25,36,49,64,81]',
    // CPython calls the callback before the result is ready for get()
    'mapAsync callback: [1,4,9]',
    'mapAsync get(): [1,4,9]',
    'imap: [0,1,4,9,16,25,36,49]',
    'imapUnordered, sorted: [0,1,4,9,16,25,36,49]',
    'done',
  ]);
}
