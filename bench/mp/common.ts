// Loading the library for the multiproc benchmark scripts. The import is dynamic so that a
// missing or broken build becomes an `error:` figure (and embedded raw anchors still run).
import { errMessage } from '../lib.ts';

export type MP = any;

export async function loadMultiproc(): Promise<{ mp: MP | null; loadError: string | null }> {
  try {
    const mp = await import('multiproc');
    return { mp, loadError: null };
  } catch (e) {
    return { mp: null, loadError: `cannot import 'multiproc': ${errMessage(e)}` };
  }
}

/** `new Pool({ processes, context })` exactly as the contract spells it. */
export function makePool(mp: MP, processes: number, context: string): MP {
  return new mp.Pool({ processes, context });
}

/** Shut a pool down without letting a hang stop the benchmark. */
export async function shutdown(pool: MP): Promise<void> {
  if (!pool) return;
  try {
    await Promise.race([pool.terminate(), new Promise((r) => setTimeout(r, 5000).unref())]);
  } catch {
    /* reported elsewhere */
  }
}
