// Child side of a Process: rebuild the Process object, run it, report an error, let the work
// it left scheduled finish, shut down like CPython (daemon children terminated, others
// joined), exit with the right code.
import { decode, encode } from '../codec/codec.js';
import type { Channel, Message } from '../channel/channel.js';
import { resolveExport, resolveFnRef } from '../functions/resolve.js';
import { getLogger } from '../runtime/logging.js';
import { M, type ErrorMsg, type InitData, type RunMsg, type ToProcessChild } from '../protocol/runtime.js';
import { runtimeState } from '../util/state.js';
import { shutdownChildren } from './children.js';
import { setCurrentProcess } from './current.js';
import { Process } from './process.js';

export function formatError(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return `Uncaught ${typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e))}`;
}

export function processChild(init: InitData, channel: Channel, exit: (code: number) => Promise<never>): (msg: Message) => void {
  return (raw) => {
    const msg = raw as ToProcessChild;
    if (msg[0] === M.RUN) void run(msg);
  };

  async function run(msg: RunMsg): Promise<void> {
    const [, targetRef, clsRef, fieldsBytes, argsBytes] = msg;
    const log = getLogger();
    let exitCode = 0;
    try {
      const target = targetRef ? await resolveFnRef(targetRef) : undefined;
      const cls = clsRef ? ((await resolveExport(clsRef)) as Function) : Process;
      const args = (await decode(argsBytes)) as unknown[];
      const fields = fieldsBytes ? ((await decode(fieldsBytes)) as object) : null;
      const instance = Process.revive(cls, init, fields, target, args);
      setCurrentProcess(instance);
      log.info('child process calling self.run()');
      await instance.run();
    } catch (e) {
      exitCode = 1;
      process.stderr.write(`Process ${runtimeState().name}:\n${formatError(e)}\n`);
      try {
        const report: ErrorMsg = [M.ERROR, encode(e, 'error')];
        channel.send(report);
      } catch {
        /* p.error stays unset */
      }
    }
    // A non-daemon child finishes what its target left scheduled (a timer, a stream still
    // writing), as plain Node and CPython (which joins its threads) do. Daemons end at once.
    if (!init.daemon) await loopEmpty(channel);
    await shutdownChildren();
    log.info(`process exiting with exitcode ${exitCode}`);
    await exit(exitCode);
  }
}

/**
 * Resolves once nothing but this library's own handles keeps the event loop alive (Node's
 * rule for when a program ends). The channel to the parent stops counting meanwhile; the
 * others (hub links, the hub thread, helper threads, the parent watch) count only while they
 * wait for something. terminate()/kill() still end the child at once, and a parent that dies
 * closes the channel, which ends the child too (bootstrap.ts).
 */
function loopEmpty(channel: Channel): Promise<void> {
  return new Promise((resolve) => {
    process.once('beforeExit', () => {
      channel.ref();
      resolve();
    });
    channel.unref();
  });
}
