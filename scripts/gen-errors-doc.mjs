// Writes docs/errors.md from the error catalogue (src/errors/): every code with its class,
// meaning and fix, in the catalogue's groups. Run after changing the catalogue:
//   node --import tsx scripts/gen-errors-doc.mjs          (writes docs/errors.md)
//   node --import tsx scripts/gen-errors-doc.mjs --check  (exit 1 if it is out of date)
// test/errors.test.ts fails when the file differs from what this renders.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const docPath = path.join(root, 'docs', 'errors.md');
const COMMAND = 'node --import tsx scripts/gen-errors-doc.mjs';

/** GitHub's anchor for a heading (lower case, punctuation dropped, spaces to dashes). */
const anchor = (heading) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/** The text of docs/errors.md for the catalogue's groups. */
export function renderErrorsDoc(groups) {
  const out = [];
  const line = (s = '') => out.push(s);
  line('# Error codes');
  line();
  line(`<!-- Generated from the error catalogue (src/errors/) by ${COMMAND}; edit the catalogue, not this file. -->`);
  line();
  line('Every error multiproc throws or rejects with carries a Node-style `code`, and a message that says');
  line('what to do. Branch on `err.code` (or the class), never on the message: messages may be reworded,');
  line('codes and classes stay. Misuse (a wrong argument, a closed object) throws at the call; what');
  line('happens later (a worker lost, a peer gone) rejects the promise that waited for it.');
  line();
  line("Errors your own code throws in another process (a task, a target, a registered type's method)");
  line('are not listed here: they come back to the caller with their class, message, `code` and `cause`.');
  line();
  for (const g of groups) line(`- [${g.title}](#${anchor(g.title)}): ${g.entries.map((e) => `[\`${e.code}\`](#${anchor(e.code)})`).join(', ')}`);
  line(`- [Errors without a code](#${anchor('Errors without a code')})`);
  for (const g of groups) {
    line();
    line(`## ${g.title}`);
    line();
    line(g.intro);
    for (const e of g.entries) {
      line();
      line(`### ${e.code}`);
      line();
      const also = e.also.length ? ` (a few call sites: ${e.also.map((c) => `\`${c}\``).join(', ')})` : '';
      line(e.origin === 'node' ? '*Raised by Node.js*; the library recognizes it.' : `Class: \`${e.className}\`${also}.`);
      line();
      line(e.meaning);
      line();
      line(`**Fix:** ${e.fix}`);
    }
  }
  line();
  line('## Errors without a code');
  line();
  line('These are told apart by their class (`err.name`), as in Python:');
  line();
  line('- `Empty` / `Full`: a queue `get()` / `put()` with `block: false`, or whose `timeout` ran out.');
  line('- `ShutDown`: the queue was shut down (`shutdown()`): puts are refused, and gets once it is empty.');
  line('- `BrokenBarrierError`: the Barrier was aborted, reset, timed out or lost a waiter; `reset()` it to use it again.');
  return `${out.join('\n')}\n`;
}

/** The catalogue's groups, loaded from the sources (needs the tsx loader). */
export async function loadGroups() {
  const { errorGroups } = await import(pathToFileURL(path.join(root, 'src', 'errors', 'catalogue.ts')).href);
  return errorGroups();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = renderErrorsDoc(await loadGroups());
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(docPath, 'utf8');
    } catch {
      /* missing: out of date */
    }
    if (current !== text) {
      process.stderr.write(`docs/errors.md is out of date: run ${COMMAND}\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(docPath, text);
    process.stdout.write(`wrote ${path.relative(root, docPath)}\n`);
  }
}
