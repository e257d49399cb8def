// Start methods and contexts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getContext, setStartMethod, getStartMethod, getAllStartMethods, Process, Pipe } from 'multiproc';
import * as t from './fixtures/tasks.ts';
import { within } from './helpers.ts';

describe('contexts', () => {
  it('lists the start methods and refuses unknown ones', () => {
    assert.deepEqual(getAllStartMethods(), ['process', 'spawn', 'thread']);
    assert.throws(() => getContext('fork' as never), { code: 'ERR_INVALID_START_METHOD' });
    assert.throws(() => setStartMethod('forkserver' as never), { code: 'ERR_INVALID_START_METHOD' });
  });

  it('getContext binds Process and Pool to a method', async () => {
    const ctx = getContext('thread');
    assert.equal(ctx.method, 'thread');
    await using pool = new ctx.Pool(1);
    const tid = await within(20_000, pool.apply(t.readThreadId, []));
    assert.ok(tid > 0, 'the task ran in a worker thread');
    const [a, b] = ctx.Pipe();
    const p = new ctx.Process({ target: t.sendTo, args: [b, 'from a thread'] });
    assert.match(p.name, /^Process-\d+$/);
    p.start();
    assert.equal(await within(20_000, a.recv()), 'from a thread');
    await within(20_000, p.join());
    assert.equal(p.context, 'thread');
    assert.equal(p.exitCode, 0);
    assert.equal(getContext('spawn').method, 'process');
  });

  it('setStartMethod sets the default once; force changes it', async () => {
    assert.equal(getStartMethod(), 'process');
    setStartMethod('thread');
    assert.throws(() => setStartMethod('process'), { code: 'ERR_CONTEXT_ALREADY_SET' });
    assert.equal(getStartMethod(), 'thread');
    const [a, b] = Pipe();
    const p = new Process({ target: t.sendTo, args: [b, 1] });
    assert.equal(p.context, 'thread');
    p.start();
    assert.equal(await within(20_000, a.recv()), 1);
    await within(20_000, p.join());
    setStartMethod('spawn', { force: true });
    assert.equal(getStartMethod(), 'process');
  });
});
