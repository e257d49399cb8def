// Kill storm: 10,000 tiny tasks through map, imap and applyAsync on a Pool(4) while a killer
// ends a random worker every ~50 ms (a real SIGKILL for a process; a thread is terminated),
// twice: without retries, then with retries: 3. The storm runs as a plain Node program
// (test/programs/kill-storm.mjs): under tsx every replacement worker would load tsx first
// (150-450 ms), far longer than the time between kills. This file asserts on what it reports.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { contexts, within } from './helpers.ts';

const program = fileURLToPath(new URL('./programs/kill-storm.mjs', import.meta.url));

interface Storm {
  retries: number;
  ok: number;
  lost: number;
  kills: number;
  bootKills: number;
  ms: number;
  outcomes: number;
  wrong: unknown[];
  otherErrors: unknown[];
  lostMessages: string[];
  /** Not settled even after the kills stopped: a hang. */
  unsettled: string | null;
  /** Not settled within the storm's bound, settled once the kills stopped: starvation (reported, not a failure). */
  starved: string | null;
  /** The kill intervals used (they follow the measured start time of a worker). */
  killEveryMs: number[];
  /** How often tasks ran, from the runs they recorded. */
  runs: { max: number; ranTwice: number; okWithoutRun: number[]; tooMany: { x: number; runs: number }[] };
}
interface Health {
  listed: number[];
  answered: number[];
  readyInTime: boolean;
}
interface Report {
  error?: string;
  context: string;
  total: number;
  coldStartMs: number;
  plain: Storm;
  retried: Storm;
  healthAfterPlain: Health;
  healthAfterRetried: Health;
  workersAfterJoin: number;
  pidsSeen: number;
  leaked: number[];
}

type Run = { report: Report | null; stdout: string; stderr: string; code: number | null };

/** Runs the program; past `ms` it is SIGKILLed (its workers go with it) and the wait rejects. */
async function runStorm(context: string, ms: number): Promise<Run> {
  const child = spawn(process.execPath, [program, context], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    return await within(ms, collect(child), 'the kill storm program');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function collect(child: ReturnType<typeof spawn>): Promise<Run> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('close', (code) => {
      let report: Report | null = null;
      try {
        report = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Report;
      } catch {
        /* reported below */
      }
      resolve({ report, stdout, stderr, code });
    });
  });
}

function assertStorm(s: Storm, total: number): void {
  assert.equal(s.unsettled, null, 'every promise settles (no hang)');
  assert.equal(s.outcomes, total, 'one outcome per task');
  assert.deepEqual(s.wrong, [], 'every result that arrives is exact');
  assert.deepEqual(s.otherErrors, [], 'every lost task rejects with WorkerLostError, nothing else');
  assert.equal(s.ok + s.lost, total);
  assert.ok(s.kills >= 5, `the killer struck ${s.kills} times`);
  assert.deepEqual(s.runs.okWithoutRun, [], 'a result comes from a run');
  assert.deepEqual(s.runs.tooMany, [], `no task runs more than retries + 1 = ${s.retries + 1} times`);
}

function assertHealthy(h: Health, what: string): void {
  assert.ok(h.readyInTime, `${what}: 4 ready workers`);
  assert.equal(h.listed.length, 4, `${what}: the pool lists 4 live workers`);
  assert.deepEqual(h.answered, h.listed, `${what}: 8 tasks ran on exactly the 4 live workers`);
}

for (const context of contexts) {
  describe(`Kill storm (${context})`, () => {
    it(
      '10,000 tasks through map, imap and applyAsync on Pool(4) while a worker is killed every ~50 ms (slower when workers start slower): all settle, results exact, losses are WorkerLostError; with retries: 3 only tasks hit 4 times fail; 4 healthy workers after; nothing leaked',
      { timeout: 330_000 },
      async () => {
        // Each storm: 50 s of kills at most, then 60 s for a starved pool to finish; plus health checks.
        const { report, stdout, stderr, code } = await runStorm(context, 300_000);
        assert.ok(report, `no report from the storm program (exit ${code})\n${stdout}\n${stderr.slice(-4000)}`);
        assert.equal(report.error, undefined, report.error);
        assert.equal(code, 0, stderr.slice(-4000));
        const { plain, retried, total } = report;
        assert.equal(total, 10_000);

        assertStorm(plain, total);
        assert.equal(plain.runs.max, 1, 'without retries a task runs at most once');
        assert.ok(plain.bootKills >= 1, 'some workers were killed while they started');
        for (const m of plain.lostMessages) assert.match(m, /^worker pid N (was killed by SIGKILL|exited with code \d+) while running a task; the pool replaced it/);
        assertHealthy(report.healthAfterPlain, 'after the storm');

        assertStorm(retried, total);
        // The rule: with retries: 3 a task fails only when its worker died under it 4 times.
        for (const m of retried.lostMessages) assert.match(m, /lost its worker 4 times, retries: 3/);
        assert.ok(retried.lost < plain.lost || retried.lost === 0, `retries help: ${retried.lost} lost with retries, ${plain.lost} without`);
        assert.ok(retried.ok >= total * 0.9, `nearly all succeed with retries: 3 (${retried.ok} of ${total})`);
        assertHealthy(report.healthAfterRetried, 'after the storm with retries');

        assert.equal(report.workersAfterJoin, 0, 'no worker after close() and join()');
        assert.deepEqual(report.leaked, [], 'no worker process alive after join()');
        if (context === 'process') assert.ok(report.pidsSeen >= 4 + plain.kills / 2, `saw ${report.pidsSeen} worker pids`);
        const rate = (s: Storm) =>
          `${s.ok} ok, ${s.lost} lost, ${s.kills} kills every ${s.killEveryMs.join('/')} ms (${s.bootKills} while starting), ${s.runs.ranTwice} ran more than once, ${s.ms} ms${s.starved ? `; STARVED: ${s.starved}` : ''}`;
        console.log(`${context}: workers started in ${report.coldStartMs} ms; without retries ${rate(plain)}; with retries: 3 ${rate(retried)}`);
      },
    );
  });
}
