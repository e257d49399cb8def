// RELIABILITY.md maps each guarantee to the test that proves it. This keeps the map honest:
// every test file it cites exists, and every quoted test name it cites for a file is written
// in that file (renaming or deleting a test without updating the map fails here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

interface Citation {
  file: string;
  name: string;
  line: number;
}

/** `x.test.ts`: "name", "name" ... pairs, per line: a quoted name belongs to the last file named before it. */
function citations(markdown: string): { files: Set<string>; names: Citation[] } {
  const files = new Set<string>();
  const names: Citation[] = [];
  markdown.split('\n').forEach((text, i) => {
    let current: string | undefined;
    const token = /`([\w./-]+\.test\.ts)`|"([^"]+)"/g;
    for (let m = token.exec(text); m; m = token.exec(text)) {
      if (m[1]) {
        current = m[1].replace(/^test\//, '');
        files.add(current);
      } else if (current && m[2]) names.push({ file: current, name: m[2], line: i + 1 });
    }
  });
  return { files, names };
}

/** Test names written as template literals: `a ${kind} whose holder dies` matches "a Lock whose holder dies". */
function templates(source: string): RegExp[] {
  const out: RegExp[] = [];
  for (const m of source.matchAll(/`([^`]*\$\{[^`]*)`/g)) {
    const parts = m[1]!.split(/\$\{[^}]*\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    out.push(new RegExp(`^${parts.join('.*')}$`));
  }
  return out;
}

function written(source: string, cited: string): boolean {
  // "name starts like this ..." cites a long name by its beginning.
  const name = cited.replace(/\s*:?\s*\.\.\.$/, '');
  if (name !== cited) return source.includes(name) || templates(source).some((t) => t.test(name) || new RegExp(t.source.replace(/\$$/, '')).test(name));
  if (source.includes(name) || source.includes(name.replace(/'/g, "\\'"))) return true;
  return templates(source).some((t) => t.test(name));
}

test('every test file and test name RELIABILITY.md cites exists', () => {
  const doc = readFileSync(path.join(root, 'RELIABILITY.md'), 'utf8');
  const { files, names } = citations(doc);
  assert.ok(files.size > 10, `found only ${files.size} cited test files: is the citation format still \`file.test.ts\`: "name"?`);
  const missingFiles = [...files].filter((f) => !existsSync(path.join(root, 'test', f)));
  assert.deepEqual(missingFiles, [], 'RELIABILITY.md cites test files that do not exist');
  const missing = names
    .filter(({ file, name }) => {
      const p = path.join(root, 'test', file);
      return existsSync(p) && !written(readFileSync(p, 'utf8'), name);
    })
    .map(({ file, name, line }) => `RELIABILITY.md:${line}: ${file}: "${name}"`);
  assert.deepEqual(missing, [], 'RELIABILITY.md cites test names its test files do not contain');
});
