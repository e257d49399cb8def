// An Event waiter in a thread sleeps on two wake-ups at once (src/sync/event.ts): V8's
// Atomics.notify from a thread of its own process, and the futex from another process. Each
// must wake it on its own: a set() from a process child (futex only) and one from this thread.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Process, Queue, Event } from 'multiproc';
import * as t from './fixtures/event-paths.ts';
import { within } from './helpers.ts';

describe('Event wake-up paths', () => {
  it('a waiting thread wakes on a set() from a process child, then on one from its parent thread', async () => {
    const a = new Event();
    const b = new Event();
    const log = new Queue<string>();
    const waiter = new Process({ target: t.waitBoth, args: [a, b, log], context: 'thread' });
    waiter.start();
    assert.equal(await within(20_000, log.get()), 'waiting a');
    const setter = new Process({ target: t.setEvent, args: [a], context: 'process' });
    setter.start();
    assert.equal(await within(10_000, log.get()), 'a: true');
    await within(20_000, setter.join());
    assert.equal(await within(10_000, log.get()), 'waiting b');
    await new Promise((r) => setTimeout(r, 20));
    await b.set();
    assert.equal(await within(10_000, log.get()), 'b: true');
    await within(20_000, waiter.join());
    assert.deepEqual([waiter.exitCode, setter.exitCode], [0, 0]);
  });
});
