// The cluster link (src/cluster/objects/connect.ts) against a private redis-server: calls
// reject ERR_CLUSTER_UNAVAILABLE within connectTimeout when Redis is away (never hang), a
// blocking command in flight rejects when Redis dies, and the link works again once Redis is
// back without being remade. currentLink() builds one link from the worker's env.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { rejection, within } from './helpers.js';
import { createLink, currentLink, ENV_NAME, ENV_URL } from '../dist/esm/internal.js';
import { resolveClusterOptions } from '../dist/esm/internal.js';

const skip = redisUnavailable();

describe('cluster link', { skip }, () => {
  let redis: RedisHandle;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('runs commands and closes', async () => {
    const link = createLink(resolveClusterOptions({ redis: redis.url, name: 'linktest', connectTimeout: 3000 }));
    const c = await link.command();
    assert.equal(await c.ping(), 'PONG');
    assert.match(link.holderId, /^.+:\d+:[0-9a-f]{12}$/);
    await link.close();
    const e = await rejection(link.command(), 5000);
    assert.equal(e.code, 'ERR_CLUSTER_UNAVAILABLE');
  });

  it('calls arriving together share one connection; close() during the first connect leaves none open', async () => {
    const link = createLink(resolveClusterOptions({ redis: redis.url, name: 'linkshare', connectTimeout: 3000 }));
    const conns = await Promise.all(Array.from({ length: 10 }, () => link.command()));
    assert.ok(conns.every((c) => c === conns[0]));
    await link.close();
    const late = createLink(resolveClusterOptions({ redis: redis.url, name: 'linkshare2', connectTimeout: 3000 }));
    const first = late.command();
    const closing = late.close();
    const e = await rejection(first, 5000);
    assert.equal(e.code, 'ERR_CLUSTER_UNAVAILABLE');
    await closing;
  });

  it('rejects ERR_CLUSTER_UNAVAILABLE within connectTimeout when nothing listens', async () => {
    const link = createLink(resolveClusterOptions({ redis: 'redis://127.0.0.1:1', name: 'nobody', connectTimeout: 1500 }));
    const t0 = Date.now();
    const e = await rejection(link.command(), 10_000);
    assert.equal(e.code, 'ERR_CLUSTER_UNAVAILABLE');
    assert.ok(Date.now() - t0 < 6000, `took ${Date.now() - t0} ms`);
    await link.close();
  });

  it(
    'a blocking command rejects when Redis dies, and the link works again after a restart',
    { skip: !process.env.MULTIPROC_TEST_REDIS ? undefined : 'cannot kill an external Redis' },
    async () => {
      const link = createLink(resolveClusterOptions({ redis: redis.url, name: 'linkdeath', connectTimeout: 2000 }));
      const b = await link.blocking();
      const pending = b.blpop('linkdeath:never', 0);
      pending.catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
      await redis.kill();
      const e = await within(
        10_000,
        pending.then(
          () => {
            throw new Error('resolved');
          },
          (err: unknown) => err as Error,
        ),
      );
      assert.ok(e instanceof Error);
      // While Redis is away a call gives up after connectTimeout.
      const t0 = Date.now();
      const e2 = await rejection(
        link.command().then((c) => c.ping()),
        15_000,
      );
      assert.equal(e2.code, 'ERR_CLUSTER_UNAVAILABLE');
      assert.ok(Date.now() - t0 < 8000, `took ${Date.now() - t0} ms`);
      await redis.restart();
      const ok = await within(
        20_000,
        (async () => {
          for (;;) {
            try {
              return await (await link.command()).ping();
            } catch {
              /* reconnecting */
            }
          }
        })(),
      );
      assert.equal(ok, 'PONG');
      await link.close();
    },
  );

  it('currentLink() is made once from the worker env', async () => {
    const saved = { url: process.env[ENV_URL], name: process.env[ENV_NAME] };
    try {
      delete process.env[ENV_URL];
      delete process.env[ENV_NAME];
      assert.equal(currentLink(), undefined);
      process.env[ENV_URL] = redis.url;
      process.env[ENV_NAME] = 'envlink';
      const a = currentLink();
      assert.ok(a);
      assert.equal(a, currentLink());
      assert.equal(a.name, 'envlink');
      assert.equal(await (await a.command()).ping(), 'PONG');
      await a.close();
    } finally {
      if (saved.url === undefined) delete process.env[ENV_URL];
      else process.env[ENV_URL] = saved.url;
      if (saved.name === undefined) delete process.env[ENV_NAME];
      else process.env[ENV_NAME] = saved.name;
    }
  });
});
