// Objects made here that never left this process are freed once their proxy is garbage:
// the hub forgets them and their shared-memory segment is unlinked. A program that makes a
// Lock or a Queue per request would otherwise grow its hub and /dev/shm without bound. An
// object that travelled (encoded into a message: a Process or Pool argument, a queue item, a
// manager value) may be in use elsewhere, and lives as long as its hub, as before.
import { unlinkSegment } from '../shm/segment.js';
import { globalSingleton } from '../util/state.js';

export interface Life {
  /** Encoded into a message at least once: somebody else may hold it. */
  traveled: boolean;
  /** Frees the object in its hub (set once this process made it known there). */
  free: (() => void) | null;
  /** A segment that belongs to the object alone. */
  segment: string | null;
}

function release(life: Life): void {
  if (life.traveled) return;
  if (life.segment) {
    try {
      unlinkSegment(life.segment);
    } catch {
      /* unlinked already */
    }
  }
  if (life.free) {
    try {
      life.free();
    } catch {
      /* the hub is gone */
    }
  }
}

const registry = globalSingleton('hubObjectLives', () => new FinalizationRegistry<Life>(release));

/** Starts watching `proxy`, a new object made here; returns its record. */
export function watchLife(proxy: object): Life {
  const life: Life = { traveled: false, free: null, segment: null };
  registry.register(proxy, life);
  return life;
}
