// Seed 004, process ids: info(title) prints the title, the module name ('__main__' in the main program, '__mp_main__' in the child), os.getppid() and os.getpid(); called in the main program, then as the target of a child, whose parent pid is the main program's pid.
// (The module name becomes isMainEntry(); parentProcess() and currentProcess().name are shown as well; the seed's colour codes and time.sleep(100) are left out.)
import { Process, currentProcess, isMainEntry, parentProcess } from 'multiproc';

export function info(title: string): void {
  console.log(title);
  console.log('isMainEntry:', isMainEntry(import.meta.url));
  console.log('currentProcess().name:', currentProcess().name);
  console.log('parent process:', process.ppid);
  console.log('process id:', process.pid);
  const parent = parentProcess();
  console.log('parentProcess().pid:', parent ? parent.pid : null);
}

export function f(name: string): void {
  info('function f');
  console.log('hello', name);
}

if (isMainEntry(import.meta.url)) {
  info('main process line');
  const p = new Process({ target: info, args: ['bob'] });
  p.start();
  await p.join();
  console.log('p.pid:', p.pid);
}
