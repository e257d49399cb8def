// Listener and Client over TCP and Unix sockets: messages, the HMAC handshake both ways,
// hostile peers (garbage, huge lengths, silence, half messages, crafted values), wait(), and
// a Client in a child process.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Packr } from 'msgpackr';
import { Listener, Client, type Address, type ListenerOptions, type ClientOptions } from '../src/connection/listener.ts';
import { clientHandshake } from '../src/connection/auth.ts';
import { Pipe, type Connection } from '../src/connection/connection.ts';
import { wait } from '../src/connection/wait.ts';
import { encode } from '../src/codec/codec.ts';
import { Process } from '../src/process/process.ts';
import { AuthenticationError, BufferTooShort, EOFError } from '../src/errors.ts';
import * as fx from './fixtures/listener-client.ts';
import { within, rejection } from './helpers.ts';

const tmp = os.tmpdir();
let serial = 0;
const socketPath = () => path.join(tmp, `multiproc-test-${process.pid}-${++serial}.sock`);
const key = Buffer.from('correct horse battery staple');

const open: { close(): void }[] = [];
after(() => {
  for (const o of open) o.close();
});

async function listen(options: ListenerOptions): Promise<Listener> {
  const l = new Listener(options);
  open.push(l);
  return within(5000, l.ready, 'listen');
}

async function pair(options: ListenerOptions, clientOptions: ClientOptions = {}): Promise<[Listener, Connection, Connection]> {
  const l = await listen(options);
  const [server, client] = await within(10_000, Promise.all([l.accept(), Client(l.address, clientOptions)]), 'connect');
  open.push(server, client);
  return [l, server, client];
}

/**
 * A plain socket, optionally through the handshake: the tests speak the wire format by hand.
 * Without a key, what it receives collects in `received` (read, so 'end' can come).
 */
async function rawSocket(address: Address, authKey?: Buffer): Promise<net.Socket & { received: Buffer[] }> {
  const socket = Object.assign(net.connect(address as net.NetConnectOpts), { received: [] as Buffer[] });
  socket.on('error', () => {});
  open.push({ close: () => socket.destroy() });
  if (!authKey) socket.on('data', (d: Buffer) => socket.received.push(d));
  await within(5000, once(socket, 'connect'), 'raw connect');
  if (authKey) await within(5000, clientHandshake(socket, authKey), 'raw handshake');
  return socket;
}

async function closed(socket: net.Socket): Promise<void> {
  if (!socket.destroyed) await within(5000, once(socket, 'close'), 'the server closing that socket');
}

function messageFrame(kind: 0 | 1, payload: Uint8Array, announced = payload.length): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32LE(announced + 1, 0);
  header[4] = kind;
  return Buffer.concat([header, payload]);
}

const kinds: [string, () => Address][] = [
  ['TCP', () => ({ host: '127.0.0.1', port: 0 })],
  ['Unix socket', () => ({ path: socketPath() })],
];

for (const [kind, address] of kinds) {
  describe(`Listener and Client (${kind})`, () => {
    it('carries values both ways, 0-byte and 8 MiB byte messages, and parts of buffers', async () => {
      const [, server, client] = await pair({ address: address(), authKey: key }, { authKey: key });
      const values = [0, -0, 'x', [1, [2, 3]], new Map([[0.25, '2']]), new Set([1n]), new Date(0), Buffer.from('buf'), undefined, null, { deep: { a: [true] } }];
      for (const v of values) await client.send(v);
      for (const v of values) assert.deepEqual(await within(5000, server.recv()), v);
      await server.send('back');
      assert.equal(await within(5000, client.recv()), 'back');

      await client.sendBytes(Buffer.alloc(0));
      assert.equal((await within(5000, server.recvBytes())).length, 0);
      const big = Buffer.alloc(8 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
      const sent = client.sendBytes(big);
      const got = await within(20_000, server.recvBytes());
      await within(20_000, sent);
      assert.ok(got.equals(big));
      await server.sendBytes(Buffer.from('0123456789'), 2, 3);
      assert.equal((await within(5000, client.recvBytes())).toString(), '234');
    });

    it('recvBytesInto, BufferTooShort, poll', async () => {
      const [, server, client] = await pair({ address: address() });
      assert.equal(await server.poll(), false);
      await client.sendBytes(Buffer.from('hello world'));
      assert.equal(await within(5000, server.poll(5000)), true);
      const e = await rejection(server.recvBytesInto(Buffer.alloc(4)));
      assert.ok(e instanceof BufferTooShort);
      assert.equal((e as unknown as BufferTooShort).data.toString(), 'hello world');
      await client.sendBytes(Buffer.from('abc'));
      const into = Buffer.alloc(8);
      assert.equal(await within(5000, server.recvBytesInto(into, 2)), 3);
      assert.equal(into.subarray(2, 5).toString(), 'abc');
      await client.sendBytes(Buffer.from('raw'));
      assert.equal((await rejection(server.recv())).code, 'ERR_INVALID_MESSAGE');
    });

    it('EOFError once the peer closed and everything was read', async () => {
      const [, server, client] = await pair({ address: address(), authKey: key }, { authKey: key });
      await client.send('last');
      client.close();
      assert.equal(client.closed, true);
      assert.equal(await within(5000, server.recv()), 'last');
      assert.ok((await rejection(server.recv(), 5000)) instanceof EOFError);
      assert.equal(await server.poll(), true);
      assert.throws(() => client.send(1), { code: 'ERR_CONNECTION_CLOSED' });
    });

    it('the right key works; a wrong or missing key fails on both sides', async () => {
      const l = await listen({ address: address(), authKey: key });
      for (const clientKey of [Buffer.from('wrong'), undefined]) {
        const [accepted, connected] = await within(10_000, Promise.allSettled([l.accept(), Client(l.address, { authKey: clientKey })]));
        for (const r of [accepted, connected]) {
          assert.equal(r.status, 'rejected');
          assert.ok(r.reason instanceof AuthenticationError, String(r.reason));
          assert.equal(r.reason.code, 'ERR_AUTHENTICATION_FAILED');
        }
      }
      const [server, client] = await within(10_000, Promise.all([l.accept(), Client(l.address, { authKey: key.toString() })]));
      await client.send('in');
      assert.equal(await within(5000, server.recv()), 'in');
      server.close();
      client.close();

      const open2 = await listen({ address: address() });
      const [a, c] = await within(10_000, Promise.allSettled([open2.accept(), Client(open2.address, { authKey: key })]));
      assert.equal(a.status === 'rejected' && a.reason.code, 'ERR_AUTHENTICATION_FAILED');
      assert.equal(c.status === 'rejected' && c.reason.code, 'ERR_AUTHENTICATION_FAILED');
    });
  });
}

describe('Listener and Client: hostile or broken peers', () => {
  it('refuses garbage before the handshake and keeps serving an honest client', async () => {
    const l = await listen({ address: { host: '127.0.0.1', port: 0 }, authKey: key });
    const raw = await rawSocket(l.address);
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const e = await rejection(l.accept(), 5000);
    assert.ok(e instanceof AuthenticationError);
    assert.equal(e.code, 'ERR_INVALID_HANDSHAKE');
    await closed(raw);
    const [server, client] = await within(10_000, Promise.all([l.accept(), Client(l.address, { authKey: key })]));
    await client.send('honest');
    assert.equal(await within(5000, server.recv()), 'honest');
    server.close();
    client.close();
  });

  it('refuses an oversized handshake length at once', async () => {
    const l = await listen({ address: { host: '127.0.0.1', port: 0 }, authKey: key });
    const raw = await rawSocket(l.address);
    // Echo the server's own magic and version, then announce a 65535-byte frame.
    while (raw.received.length === 0) await within(5000, once(raw, 'data'));
    const challenge = raw.received[0]!;
    raw.write(Buffer.concat([challenge.subarray(0, 5), Buffer.from([2, 0xff, 0xff])]));
    const e = await rejection(l.accept(), 5000);
    assert.equal(e.code, 'ERR_INVALID_HANDSHAKE');
    assert.match(e.message, /65535/);
    await closed(raw);
    const [server, client] = await within(10_000, Promise.all([l.accept(), Client(l.address, { authKey: key })]));
    server.close();
    client.close();
  });

  it('closes a client that never completes the handshake after the timeout, on both sides', async () => {
    const l = await listen({ address: { host: '127.0.0.1', port: 0 }, authKey: key, handshakeTimeout: 300 });
    const raw = await rawSocket(l.address);
    const started = Date.now();
    const e = await rejection(l.accept(), 5000);
    assert.equal(e.code, 'ERR_HANDSHAKE_TIMEOUT');
    assert.ok(e instanceof AuthenticationError);
    await closed(raw);
    assert.ok(Date.now() - started < 4000);

    // A server that accepts and says nothing: the Client gives up too.
    const mute = net.createServer(() => {});
    open.push(mute);
    mute.listen(0, '127.0.0.1');
    await within(5000, once(mute, 'listening'));
    const port = (mute.address() as net.AddressInfo).port;
    const c = await rejection(Client({ host: '127.0.0.1', port }, { authKey: key, handshakeTimeout: 300 }), 5000);
    assert.equal(c.code, 'ERR_HANDSHAKE_TIMEOUT');
  });

  it('a client that disconnects mid-message: what arrived whole is read, then EOFError', async () => {
    const l = await listen({ address: { host: '127.0.0.1', port: 0 }, authKey: key });
    const accepted = l.accept();
    const raw = await rawSocket(l.address, key);
    const server = await within(5000, accepted);
    open.push(server);
    raw.write(messageFrame(1, Buffer.from('whole')));
    raw.write(messageFrame(1, Buffer.alloc(10), 1000));
    assert.equal((await within(5000, server.recvBytes())).toString(), 'whole');
    raw.destroy();
    assert.ok((await rejection(server.recvBytes(), 5000)) instanceof EOFError);
  });

  it('refuses values that name a module or forge a pipe end, without importing anything', async () => {
    const marker = path.join(tmp, `multiproc-evil-${process.pid}.marker`);
    const evil = path.join(tmp, `multiproc-evil-${process.pid}.mjs`);
    writeFileSync(evil, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'imported');\nexport class Evil {}\n`);
    rmSync(marker, { force: true });
    after(() => {
      rmSync(evil, { force: true });
      rmSync(marker, { force: true });
    });
    const l = await listen({ address: { host: '127.0.0.1', port: 0 } });
    const accepted = l.accept();
    const raw = await rawSocket(l.address, Buffer.alloc(0));
    const server = await within(5000, accepted);
    open.push(server);

    // A manifest (msgpack ext 0x14) naming the module, as a worker's parent may send.
    const plain = new Packr({ useRecords: false });
    const refs = plain.pack([{ m: pathToFileURL(evil).href, e: 'Evil', n: 'Evil' }]);
    const body = plain.pack({ x: 1 });
    const manifest = Buffer.concat([Buffer.from([0]), Buffer.from(Uint32Array.of(refs.length).buffer), refs, body]);
    raw.write(messageFrame(0, Buffer.concat([Buffer.from([0xc8, manifest.length >> 8, manifest.length & 0xff, 0x14]), manifest])));
    const e = await rejection(server.recv(), 5000);
    assert.equal(e.code, 'ERR_INVALID_MESSAGE', e.message);

    // A shared object (ext 0x13) claiming side 1 of a real pipe of this process.
    const [a, b] = Pipe();
    const state = (b as unknown as Record<symbol, () => { state: unknown[] }>)[Symbol.for('multiproc.reduce')]!().state;
    raw.write(messageFrame(0, Buffer.concat([Buffer.from([0xd4, 0x13, 0x00]), plain.pack(['multiproc.Connection', state])])));
    assert.equal((await rejection(server.recv(), 5000)).code, 'ERR_INVALID_MESSAGE');
    await a.send('still mine');
    assert.equal(await within(5000, b.recv()), 'still mine');
    a.close();
    b.close();

    // The connection survives a refused message.
    raw.write(messageFrame(0, encode('plain values still work')));
    assert.equal(await within(5000, server.recv()), 'plain values still work');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(existsSync(marker), false, 'the module was imported');
  });

  it('a message over maxMessageSize breaks the connection on both sides', async () => {
    const [, server, client] = await pair({ address: { host: '127.0.0.1', port: 0 }, maxMessageSize: 1024 });
    await client.sendBytes(Buffer.alloc(1024));
    assert.equal((await within(5000, server.recvBytes())).length, 1024);
    await client.sendBytes(Buffer.alloc(1025));
    assert.equal((await rejection(server.recvBytes(), 5000)).code, 'ERR_FRAME_TOO_LARGE');
    assert.ok((await rejection(client.recv(), 5000)) instanceof EOFError);
  });
});

describe('Listener and Client: API', () => {
  it('wait() over two Client connections', async () => {
    const l = await listen({ address: { path: socketPath() }, authKey: key });
    const c1 = await within(10_000, Client(l.address, { authKey: key }));
    const s1 = await within(5000, l.accept());
    const c2 = await within(10_000, Client(l.address, { authKey: key }));
    const s2 = await within(5000, l.accept());
    open.push(c1, c2, s1, s2);
    assert.deepEqual(await within(5000, wait([c1, c2], 50)), []);
    await s2.send('two');
    assert.deepEqual(await within(5000, wait([c1, c2], 5000)), [c2]);
    assert.equal(await c2.recv(), 'two');
    s1.close();
    assert.deepEqual(await within(5000, wait([c1, c2])), [c1]);
  });

  it('a socket Connection cannot be sent to another process', async () => {
    const [, server] = await pair({ address: { host: '127.0.0.1', port: 0 } });
    assert.throws(() => encode({ conn: server }), { code: 'ERR_NOT_TRANSFERABLE', message: /cannot be sent to another process/ });
    const [a, b] = Pipe();
    assert.throws(() => a.send(server), { code: 'ERR_NOT_TRANSFERABLE' });
    assert.equal(await b.poll(), false);
    a.close();
    b.close();
  });

  it('close(): pending accepts reject, later accepts throw, the Unix path is gone', async () => {
    const where = socketPath();
    const l = await listen({ address: { path: where } });
    assert.ok(existsSync(where));
    const pending = rejection(l.accept(), 5000);
    l.close();
    assert.equal((await pending).code, 'ERR_LISTENER_CLOSED');
    assert.throws(() => l.accept(), { code: 'ERR_LISTENER_CLOSED' });
    assert.equal(existsSync(where), false);
    assert.equal((await rejection(Client({ path: where }), 5000)).code, 'ENOENT');
  });

  it('Linux abstract socket names', { skip: process.platform !== 'linux' }, async () => {
    const [l, server, client] = await pair({ address: { path: `\0multiproc-test-${process.pid}` }, authKey: key }, { authKey: key });
    assert.equal((l.address as { path: string }).path, `\0multiproc-test-${process.pid}`);
    await client.send([1, 'abstract']);
    assert.deepEqual(await within(5000, server.recv()), [1, 'abstract']);
  });

  it('validates addresses and options at once; port 0 is known once ready', async () => {
    assert.throws(() => new Listener({ address: 'localhost:1' as unknown as Address }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Listener({ address: { port: 70000 } }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Listener({ address: { port: 1.5 } }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Listener({ address: { path: '' } }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Listener({ address: { path: '/x', port: 1 } as unknown as Address }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Listener({ address: { port: 0 }, authKey: 5 as unknown as string }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => Client({ host: '127.0.0.1', port: 0 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => Client({ host: 1 as unknown as string, port: 80 }), { code: 'ERR_INVALID_ARG_TYPE' });
    const l = new Listener({ address: { host: '127.0.0.1', port: 0 } });
    open.push(l);
    assert.throws(() => l.address, { code: 'ERR_LISTENER_NOT_READY' });
    await within(5000, l.ready);
    assert.ok((l.address as { port: number }).port > 0);
    const taken = new Listener({ address: l.address });
    open.push(taken);
    assert.equal((await rejection(taken.ready, 5000)).code, 'EADDRINUSE');
    assert.equal((await rejection(taken.accept(), 5000)).code, 'EADDRINUSE');
  });

  it('a Listener in this program, a Client in a child process', async () => {
    const l = await listen({ address: { host: '127.0.0.1', port: 0 }, authKey: key });
    const p = new Process({ target: fx.answerOnce, args: [l.address, key] });
    p.start();
    const conn = await within(20_000, l.accept());
    open.push(conn);
    await conn.send({ question: 42 });
    const [echoed, pid] = (await within(20_000, conn.recv())) as [unknown, number];
    assert.deepEqual(echoed, { question: 42 });
    assert.equal(pid, p.pid);
    assert.ok((await rejection(conn.recv(), 20_000)) instanceof EOFError);
    await within(20_000, p.join());
    assert.equal(p.exitCode, 0);

    // A child with the wrong key: refused on both sides.
    const q = new Process({ target: fx.answerOnce, args: [l.address, Buffer.from('wrong')] });
    q.start();
    assert.equal((await rejection(l.accept(), 20_000)).code, 'ERR_AUTHENTICATION_FAILED');
    await within(20_000, q.join());
    assert.equal(q.exitCode, 1);
  });
});
