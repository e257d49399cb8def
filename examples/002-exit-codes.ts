// Seed 002, exit codes: sys.exit(1) -> 1, return -> 0, return 1 -> 0 (the value is ignored), raise -> 1 (traceback printed on the child's stderr), terminate() -> -15; printed in join order as "<name>.exitcode = <code>".
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, isMainEntry } from 'multiproc';

export function exitError(): void {
  process.exit(1);
}

export function exitOk(): void {
  return;
}

export function returnValue(): number {
  return 1;
}

export function raises(): void {
  throw new Error('There was an error!');
}

export async function terminated(): Promise<void> {
  await sleep(3000);
}

if (isMainEntry(import.meta.url)) {
  const jobs: Process[] = [];
  for (const f of [exitError, exitOk, returnValue, raises, terminated]) {
    console.log('Starting process for', f.name);
    const j = new Process({ target: f, name: f.name });
    jobs.push(j);
    j.start();
  }
  jobs[jobs.length - 1]!.terminate();
  for (const j of jobs) {
    await j.join();
    console.log(`${j.name}.exitCode = ${j.exitCode}`);
  }
}
