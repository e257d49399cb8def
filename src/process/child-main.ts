// Child side of a Process: rebuild the Process object, run it, report an error, shut down
// like CPython (daemon children terminated, others joined), exit with the right code.
import { decode, encode } from '../codec/codec.js';
import type { Channel, Message } from '../channel/channel.js';
import { resolveExport, resolveFnRef } from '../functions/resolve.js';
import type { ExportRef, FnRef } from '../functions/reference.js';
import { getLogger } from '../runtime/logging.js';
import { M, type InitData } from '../runtime/protocol.js';
import { runtimeState } from '../runtime/state.js';
import { shutdownChildren } from './children.js';
import { setCurrentProcess } from './current.js';
import { Process } from './process.js';

export function formatError(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return `Uncaught ${typeof e === 'string' ? e : JSON.stringify(e) ?? String(e)}`;
}

export function processChild(init: InitData, channel: Channel, exit: (code: number) => Promise<never>): (msg: Message) => void {
  return (msg) => {
    if (msg[0] === M.RUN) void run(msg);
  };

  async function run(msg: Message): Promise<void> {
    const [, targetRef, clsRef, fieldsBytes, argsBytes] = msg as [number, FnRef | null, ExportRef | null, Uint8Array | null, Uint8Array];
    const log = getLogger();
    let exitCode = 0;
    try {
      const target = targetRef ? await resolveFnRef(targetRef) : undefined;
      const cls = clsRef ? (await resolveExport(clsRef)) as Function : Process;
      const args = (await decode(argsBytes)) as unknown[];
      const fields = fieldsBytes ? (await decode(fieldsBytes)) as object : null;
      const instance = Process.revive(cls, init, fields, target, args);
      setCurrentProcess(instance);
      log.info('child process calling self.run()');
      await instance.run();
    } catch (e) {
      exitCode = 1;
      process.stderr.write(`Process ${runtimeState().name}:\n${formatError(e)}\n`);
      try { channel.send([M.ERROR, encode(e, 'error')]); } catch { /* p.error stays unset */ }
    }
    await shutdownChildren();
    log.info(`process exiting with exitcode ${exitCode}`);
    await exit(exitCode);
  }
}
