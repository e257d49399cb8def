// The `multiproc` command: `multiproc worker ...` serves a cluster's tasks, `multiproc status
// ...` lists its workers. Arguments are checked with messages that say what to write instead.
import { cpus } from 'node:os';
import path from 'node:path';
import { runWorker } from './worker.js';
import { runStatus } from './status.js';
import { detectTsx } from '../runtime/tsx.js';

// A worker run under tsx (`node --import tsx .../multiproc worker`) serves .ts task modules: its
// pool's processes start without tsx and need to know where tsx is to load them (the library's
// index does this for programs; this command does not load the index).
detectTsx();

const USAGE = `usage:
  multiproc worker --redis URL --name NAME [--processes N] [--context process|thread] [--root DIR] [--insecure]
                   [--stalled-timeout MS] [--connect-timeout MS]
      (the key tasks must be signed with is read from MULTIPROC_AUTHKEY, never from the command line)
  multiproc status --redis URL --name NAME [--json]`;

function fail(message: string): never {
  process.stderr.write(`multiproc: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: string[], flags: Set<string>, switches: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (name === '--authkey' || name === '--auth-key') fail('the key is read from the environment variable MULTIPROC_AUTHKEY only (argv is visible to every user of the machine)');
    if (switches.has(name)) {
      out.set(name, 'true');
      continue;
    }
    if (!flags.has(name)) fail(`unknown argument '${a}'`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) fail(`${name} needs a value`);
    out.set(name, value);
  }
  return out;
}

function ms(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`${what} must be a positive number of milliseconds, got '${v}'`);
  return n;
}

function common(o: Map<string, string>): { redis: string; name: string } {
  const redis = o.get('--redis') ?? fail('--redis URL is required (redis://host:6379, rediss://user:pass@host)');
  if (!/^rediss?:\/\//.test(redis)) fail(`--redis must be a redis:// or rediss:// URL, got '${redis}'`);
  const name = o.get('--name') ?? 'multiproc';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) fail(`--name must be 1-64 letters, digits, '_', '.' or '-', got '${name}'`);
  return { redis, name };
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'worker') {
    const o = parse(rest, new Set(['--redis', '--name', '--processes', '--context', '--root', '--stalled-timeout', '--connect-timeout']), new Set(['--insecure']));
    const { redis, name } = common(o);
    const processes = o.has('--processes') ? Number(o.get('--processes')) : cpus().length;
    if (!Number.isInteger(processes) || processes < 1) fail(`--processes must be an integer >= 1, got '${o.get('--processes')}'`);
    const context = o.get('--context') ?? 'process';
    if (context !== 'process' && context !== 'thread') fail(`--context must be 'process' or 'thread', got '${context}'`);
    await runWorker({
      redis,
      name,
      processes,
      context,
      root: path.resolve(o.get('--root') ?? process.cwd()),
      insecure: o.has('--insecure'),
      stalledTimeout: ms(o.get('--stalled-timeout'), '--stalled-timeout', 30_000),
      connectTimeout: ms(o.get('--connect-timeout'), '--connect-timeout', 10_000),
    });
    return;
  }
  if (command === 'status') {
    const o = parse(rest, new Set(['--redis', '--name', '--connect-timeout']), new Set(['--json']));
    const { redis, name } = common(o);
    await runStatus({ redis, name, json: o.has('--json'), connectTimeout: ms(o.get('--connect-timeout'), '--connect-timeout', 10_000) });
    return;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  fail(command ? `unknown command '${command}'` : 'a command is required');
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`multiproc: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
