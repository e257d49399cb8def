// Checks shared by everything that starts workers.
import { errors } from '../errors.js';
import { runtimeState } from '../util/state.js';

/** Starting workers while a worker imports the user's module would recurse: refuse it. */
export function assertNotBootstrapping(what: string): void {
  if (runtimeState().bootstrapping > 0) {
    throw errors.bootstrapping(
      `cannot create a ${what} while a worker is importing your module; put the code that starts ` +
        `processes inside \`if (isMainEntry(import.meta.url)) { ... }\` (or isMainEntry(module) in CommonJS)`,
    );
  }
}
