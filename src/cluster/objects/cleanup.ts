// Deleting an object's keys: everything under its prefix, found with SCAN (never KEYS, which
// would stall a busy Redis), deleted in batches with UNLINK.
import type { ClusterLink } from './link.js';
import { run } from './call.js';

/** Deletes every key whose name starts with `prefix`; resolves how many were deleted. */
export function deleteKeysUnder(link: ClusterLink, prefix: string): Promise<number> {
  return run(link, async (c) => {
    let deleted = 0;
    let cursor = '0';
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await c.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  });
}
