// Process behaviour, the same suite in both contexts, targets in a .ts module under tsx.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Process, Pipe, currentProcess, parentProcess, activeChildren, cpuCount, wait, Pool } from 'multiproc';
import * as t from './fixtures/tasks.ts';
import { contexts, within, sleep } from './helpers.ts';

class NotExported extends Process {
  override run(): void {}
}

for (const context of contexts) {
  describe(`Process (${context})`, () => {
    it('runs a target with args and reports exitCode 0', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.sendTo, args: [b, { hello: [1, 2n] }], context });
      assert.equal(p.exitCode, null);
      assert.equal(p.isAlive(), false);
      assert.equal(p.pid, undefined);
      p.start();
      assert.equal(p.isAlive(), true);
      assert.equal(typeof p.pid, 'number');
      assert.deepEqual(await within(20_000, a.recv()), { hello: [1, 2n] });
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0);
      assert.equal(p.isAlive(), false);
      if (context === 'thread') assert.equal(typeof p.threadId, 'number');
    });

    it('exit codes: process.exit(n), uncaught error (with p.error), terminate, kill', async () => {
      const exit = new Process({ target: t.exitWith, args: [7], context });
      const raise = new Process({ target: t.throwError, context });
      const term = new Process({ target: t.sleepMs, args: [60_000], context });
      const killed = new Process({ target: t.spinForever, context });
      for (const p of [exit, raise, term, killed]) p.start();
      await sleep(300);
      term.terminate();
      killed.kill();
      await within(20_000, Promise.all([exit, raise, term, killed].map((p) => p.join())));
      assert.equal(exit.exitCode, 7);
      assert.equal(raise.exitCode, 1);
      assert.ok(raise.error instanceof t.CodedError);
      assert.equal((raise.error as t.CodedError).detail, 3);
      assert.equal(term.exitCode, -15);
      assert.equal(killed.exitCode, -9);
      assert.match(String(term), /stopped exitcode=-SIGTERM/);
    });

    it('join(timeout) returns early; state errors have codes', async () => {
      const p = new Process({ target: t.sleepMs, args: [400], context });
      assert.throws(() => p.join(), { code: 'ERR_PROCESS_NOT_STARTED' });
      assert.throws(() => p.terminate(), { code: 'ERR_PROCESS_NOT_STARTED' });
      assert.throws(() => p.kill(), { code: 'ERR_PROCESS_NOT_STARTED' });
      p.start();
      assert.throws(() => p.start(), { code: 'ERR_PROCESS_STARTED' });
      await p.join(50);
      assert.equal(p.exitCode, null);
      assert.throws(() => p.close(), { code: 'ERR_PROCESS_RUNNING' });
      await within(20_000, p.join());
      p.close();
      assert.throws(() => p.isAlive(), { code: 'ERR_PROCESS_CLOSED' });
      assert.throws(() => p.start(), { code: 'ERR_PROCESS_CLOSED' });
    });

    it('names, currentProcess and parentProcess', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.reportIdentity, args: [b], context });
      assert.match(p.name, /^Process-\d+$/);
      const named = new Process({ target: t.reportIdentity, args: [b], name: 'worker 1', context });
      assert.equal(named.name, 'worker 1');
      p.start();
      const info = (await within(20_000, a.recv())) as { name: string; pid: number; parentPid: number; parentName: string; daemon: boolean };
      assert.equal(info.name, p.name);
      assert.equal(info.parentPid, process.pid);
      assert.equal(info.parentName, 'MainProcess');
      assert.equal(info.daemon, false);
      await p.join();
      assert.equal(currentProcess().name, 'MainProcess');
      assert.equal(parentProcess(), null);
      assert.ok(cpuCount() >= 1);
    });

    it('a subclass runs its own run() with its fields; names follow the class', async () => {
      const [a, b] = Pipe();
      const g = new t.Greeter(b, context);
      assert.match(g.name, /^Greeter-\d+$/);
      g.greeting = 'hi';
      g.start();
      assert.equal(await within(20_000, a.recv()), `hi from ${g.name}`);
      await g.join();
      assert.equal(g.exitCode, 0);
      assert.equal(g.context, context);
    });

    it('refuses a non-exported subclass and a closure target at start()', () => {
      assert.throws(() => new NotExported({ context }).start(), { code: 'ERR_NOT_TRANSFERABLE', message: /NotExported/ });
      const n = 2;
      assert.throws(() => new Process({ target: () => n, context }).start(), { code: 'ERR_NOT_TRANSFERABLE' });
    });

    it('a daemon process cannot start children', async () => {
      const p = new Process({ target: t.startGrandchild, daemon: true, context });
      assert.equal(p.daemon, true);
      p.start();
      await within(20_000, p.join());
      assert.equal(p.exitCode, 1);
      assert.equal((p.error as { code?: string }).code, 'ERR_DAEMON_CHILDREN');
    });

    it('a non-daemon process can run its own Pool', async () => {
      const [a, b] = Pipe();
      const p = new Process({ target: t.runNestedPool, args: [b], context });
      p.start();
      assert.deepEqual(await within(30_000, a.recv()), [1, 4, 9]);
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0);
    });

    it('activeChildren lists running children and reaps finished ones; wait() sees exits', async () => {
      const p = new Process({ target: t.sleepMs, args: [300], context });
      p.start();
      assert.ok(activeChildren().includes(p));
      const ready = await within(20_000, wait([p.sentinel]));
      assert.deepEqual(ready, [p]);
      assert.ok(!activeChildren().includes(p));
    });
  });
}

describe('Process creation guards', () => {
  it('Pool and Process validate their arguments at once', () => {
    assert.throws(() => new Process({ target: 5 as never }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Process({ target: t.square, args: 5 as never }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Pool({ processes: 1, context: 'fork' as never }), { code: 'ERR_INVALID_START_METHOD' });
  });
});
