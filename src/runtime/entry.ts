// isMainEntry: the `if __name__ == '__main__'` guard.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeState } from '../util/state.js';

const EXTENSIONS = ['', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx', '.jsx'];

function real(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

let launched: string | null | undefined;
function launchedFile(): string | null {
  if (launched !== undefined) return launched;
  launched = null;
  const arg = process.argv[1];
  if (arg) {
    const abs = path.resolve(arg);
    for (const ext of EXTENSIONS) {
      const r = real(abs + ext);
      if (r && fs.statSync(r).isFile()) {
        launched = r;
        break;
      }
    }
  }
  return launched;
}

/**
 * True only in the program the user launched with this file; false in every worker that
 * imports the module to reach its exports. Pass `import.meta.url`, or `module` in CommonJS.
 */
export function isMainEntry(moduleOrUrl: string | URL | { filename?: string; id?: string }): boolean {
  if (runtimeState().isWorker) return false;
  let file: string | undefined;
  if (typeof moduleOrUrl === 'string') file = moduleOrUrl.startsWith('file:') ? fileURLToPath(moduleOrUrl) : moduleOrUrl;
  else if (moduleOrUrl instanceof URL) file = fileURLToPath(moduleOrUrl);
  else if (moduleOrUrl && typeof moduleOrUrl === 'object') file = moduleOrUrl.filename;
  if (!file) return false;
  const target = launchedFile();
  return target !== null && real(file) === target;
}
