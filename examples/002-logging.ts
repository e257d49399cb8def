// Seed 002, logging: log_to_stderr() + get_logger().setLevel(INFO); the child prints "Doing some work" on stdout while stderr gets "[INFO/Process-1] child process calling self.run()", ..., "[INFO/Process-1] process exiting with exitcode 0" and, when the main program ends, "[INFO/MainProcess] process shutting down".
import { Process, getLogger, isMainEntry, logToStderr } from 'multiproc';

export function worker(): void {
  console.log('Doing some work');
}

if (isMainEntry(import.meta.url)) {
  logToStderr();
  const logger = getLogger();
  logger.setLevel('INFO');
  const p = new Process({ target: worker });
  p.start();
  await p.join();
}
