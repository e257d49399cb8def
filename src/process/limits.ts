// The per-worker memory limit shared by Pool and Process (maxMemoryPerWorker, in MB).
import { errors } from '../errors.js';

export function checkMaxMemory(mb: unknown): void {
  if (mb === undefined || mb === null) return;
  if (typeof mb !== 'number' || !Number.isFinite(mb) || !(mb > 0)) {
    throw errors.outOfRange(`maxMemoryPerWorker must be a positive number of megabytes (the heap limit of each worker, e.g. 512), got ${String(mb)}`);
  }
}
