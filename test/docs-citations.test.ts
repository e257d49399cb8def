// RELIABILITY.md maps each guarantee to the test that proves it. This keeps the map honest:
// every test file it cites exists, and every quoted test name it cites for a file is written
// in that file (renaming or deleting a test without updating the map fails here). And every
// relative link in the docs points to a file that exists (moving a doc without its links fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** Relative link targets of a Markdown page: `[text](path)` and `[text](path#anchor)`, not URLs or in-page anchors. */
function relativeLinks(markdown: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  markdown.split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      out.push({ target: target.replace(/#.*$/, ''), line: i + 1 });
    }
  });
  return out;
}

test('every relative link in README.md, RELIABILITY.md, docs/ and bench/README.md points to a file that exists', () => {
  const pages = [
    'README.md',
    'RELIABILITY.md',
    'bench/README.md',
    ...readdirSync(path.join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  let links = 0;
  const broken: string[] = [];
  for (const page of pages) {
    for (const { target, line } of relativeLinks(readFileSync(path.join(root, page), 'utf8'))) {
      links++;
      if (!existsSync(path.join(root, path.dirname(page), decodeURIComponent(target)))) broken.push(`${page}:${line}: ${target}`);
    }
  }
  assert.ok(links >= 5, `found only ${links} relative links: is the link format still [text](path)?`);
  assert.deepEqual(broken, [], 'links to files that do not exist');
});
