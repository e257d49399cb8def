// No orphans, ever (issue: reliability): every child a program started (Process children,
// Pool workers, a Manager's server, a child's own child) ends within a second when the program
// dies, whether it is SIGKILLed, or ended by SIGTERM or SIGINT, also while those children are
// blocked: waiting at a Lock, in a synchronous futex wait, waiting on a Value's lock,
// spinning in synchronous code, or done with its target and waiting for the work it left.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isAlivePid, sleep, goneWithin } from './helpers.ts';

const dir = fileURLToPath(new URL('./programs/', import.meta.url));

async function startBlockedProgram(handleSigint: boolean): Promise<{ program: ReturnType<typeof spawn>; pids: number[] }> {
  const env = { ...process.env, HANDLE_SIGINT: handleSigint ? '1' : '' };
  const program = spawn(process.execPath, ['--import', 'tsx', 'orphans-blocked.ts'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  program.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!out.includes('\n') && Date.now() < deadline && program.exitCode === null) await sleep(50);
  assert.ok(out.includes('\n'), 'the program did not report its children');
  const { pids } = JSON.parse(out) as { pids: number[] };
  // 5 Process children (one a grandchild, one waiting for the timer its target left), 2 pool workers, the manager server.
  assert.equal(pids.length, 8, `pids: ${pids.join(' ')}`);
  assert.equal(new Set(pids).size, 8);
  return { program, pids };
}

for (const [signal, handled] of [
  ['SIGKILL', false],
  ['SIGTERM', false],
  ['SIGINT', false],
  ['SIGINT', true],
] as const) {
  describe(`the program gets ${signal}${handled ? ', which it handles' : ''}`, () => {
    it('every child, pool worker, grandchild and manager server ends within a second, blocked or not', async () => {
      const { program, pids } = await startBlockedProgram(handled);
      try {
        for (const pid of pids) assert.ok(isAlivePid(pid), `child ${pid} should run before the program dies`);
        const exited = new Promise((r) => program.once('exit', r));
        program.kill(signal);
        if (handled) {
          // The program handles SIGINT itself and lives on: its children must too (nothing
          // kills them behind its back); the program then ends by SIGTERM, and they end with it.
          await sleep(500);
          for (const pid of pids) assert.ok(isAlivePid(pid), `child ${pid} died though the program handled SIGINT`);
          program.kill('SIGTERM');
        }
        await exited;
        const left: number[] = [];
        for (const pid of pids) if (!(await goneWithin(pid, 1000))) left.push(pid);
        assert.deepEqual(left, [], `orphans left: ${left.join(', ')}`);
      } finally {
        for (const pid of pids)
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        program.kill('SIGKILL');
      }
    });
  });
}
