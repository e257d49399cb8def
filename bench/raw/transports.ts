// Raw Node round-trip floors, written without the library (figures 3 and 4):
//   fd3   child process, length-prefixed JSON frames over an extra stdio 'pipe' (fd 3, a unix socket)
//   ipc   child process, bare fork IPC (process.send, 'json' serialization)
//   port  worker_thread, worker.postMessage echo (MessagePort)
//   unix  child process connected to a unix-socket server (net), length-prefixed JSON frames
// The child is plain `node` running echo-child.mjs (no loader, no library).
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { frame, FrameReader } from '../lib.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const childPath = path.join(here, 'echo-child.mjs');

export type RawMode = 'fd3' | 'ipc' | 'port' | 'unix';
export interface RawTransport {
  rt: (m: unknown) => Promise<unknown>;
  close: () => void;
}

export async function openRaw(mode: RawMode): Promise<RawTransport> {
  const execArgv: string[] = [];
  if (mode === 'ipc') {
    const cp = fork(childPath, ['ipc'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let pending: ((m: unknown) => void) | null = null;
    cp.on('message', (m) => pending!(m));
    return {
      rt: (m) =>
        new Promise((res) => {
          pending = res;
          cp.send(m as object);
        }),
      close: () => void cp.kill(),
    };
  }
  if (mode === 'fd3') {
    const cp = fork(childPath, ['fd3'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'ipc'] });
    const sock = cp.stdio[3] as net.Socket;
    let pending: ((m: unknown) => void) | null = null;
    const reader = new FrameReader((p) => pending!(JSON.parse(p.toString('utf8'))));
    sock.on('data', (c: Buffer) => reader.push(c));
    return {
      rt: (m) =>
        new Promise((res) => {
          pending = res;
          sock.write(frame(Buffer.from(JSON.stringify(m))));
        }),
      close: () => void cp.kill(),
    };
  }
  if (mode === 'unix') {
    const sockPath = path.join(os.tmpdir(), `mp-bench-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(sockPath, r));
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const cp = fork(childPath, ['unix', sockPath], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const sock = await accepted;
    sock.setNoDelay(true);
    let pending: ((m: unknown) => void) | null = null;
    const reader = new FrameReader((p) => pending!(JSON.parse(p.toString('utf8'))));
    sock.on('data', (c: Buffer) => reader.push(c));
    return {
      rt: (m) =>
        new Promise((res) => {
          pending = res;
          sock.write(frame(Buffer.from(JSON.stringify(m))));
        }),
      close: () => {
        sock.destroy();
        server.close();
        cp.kill();
        fs.rmSync(sockPath, { force: true });
      },
    };
  }
  if (mode === 'port') {
    const w = new Worker(path.join(here, 'echo-worker.mjs'));
    let pending: ((m: unknown) => void) | null = null;
    w.on('message', (m) => pending!(m));
    return {
      rt: (m) =>
        new Promise((res) => {
          pending = res;
          w.postMessage(m);
        }),
      close: () => void w.terminate(),
    };
  }
  throw new Error(`unknown mode ${String(mode)}`);
}
