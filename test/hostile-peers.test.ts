// Hostile peers against real servers over TCP: a BaseManager server process, and a Listener in
// this process. Raw sockets send garbage before the handshake, stall in it, announce oversized
// messages, try a wrong authKey a thousand times, and send correctly authenticated messages
// that name a module and export: each is refused with a typed error, the server keeps serving
// honest clients, and the module is never imported (test/fixtures/hostile-module.mjs leaves a
// mark in MULTIPROC_MARKER_DIR, which the manager's server process inherits, if it ever is).
// Run after `npm run build`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { AuthenticationError, Client, Listener, SharedMemory, type Connection, type RemoteProxy } from 'multiproc';
import { decode, encode } from '../dist/esm/internal.js';
import { EXT, exportRef, hostileModuleUrl, naming, record, shared } from './fixtures/crafted.ts';
import { HostileManager, type Echo } from './fixtures/hostile-targets.ts';
import { RawPeer } from './fixtures/raw-peer.ts';
import { goneWithin, rejection, sleep, within } from './helpers.ts';

const KEY = Buffer.from('the right key');
const H = { CALL: 2, CREATE: 4, OK: 5, FAIL: 6 } as const;
const markerDir = mkdtempSync(path.join(os.tmpdir(), 'multiproc-hostile-'));
process.env.MULTIPROC_MARKER_DIR = markerDir; // before any server starts: children inherit it

function assertNeverImported(): void {
  assert.deepEqual(readdirSync(markerDir), [], 'test/fixtures/hostile-module.mjs was imported');
  assert.equal((globalThis as Record<string, unknown>)['__multiprocHostileModuleLoaded'], undefined);
}

/** Garbage a stranger might send before (or instead of) the handshake. */
const garbage: [string, Buffer][] = [
  ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['random bytes', randomBytes(4096)],
  ['a TLS ClientHello', Buffer.from('16030100a5010000a10303', 'hex')],
  ['the magic with another version', Buffer.from('MPHS\x07\x02\x00\x00', 'latin1')],
  ['an oversized handshake frame', Buffer.from('MPHS\x01\x02\xff\xff', 'latin1')],
];

/** `count` attempts, `width` at a time; resolves with every outcome. */
async function inWaves<T>(count: number, width: number, attempt: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = [];
  for (let i = 0; i < count; i += width) {
    const wave = Array.from({ length: Math.min(width, count - i) }, (_, j) => attempt(i + j));
    out.push(...(await Promise.allSettled(wave)));
  }
  return out;
}

function assertAllRefused(outcomes: PromiseSettledResult<unknown>[]): void {
  for (const [i, o] of outcomes.entries()) {
    assert.equal(o.status, 'rejected', `attempt ${i} with a wrong key was let in`);
    const e = (o as PromiseRejectedResult).reason as Error & { code?: string };
    assert.ok(e instanceof AuthenticationError, `attempt ${i}: ${e?.name}: ${e?.message}`);
    assert.equal(e.code, 'ERR_AUTHENTICATION_FAILED');
  }
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const fdsOf = (pid: number | 'self') => readdirSync(`/proc/${pid}/fd`).length;

after(() => {
  try {
    assertNeverImported();
  } finally {
    delete process.env.MULTIPROC_MARKER_DIR;
    rmSync(markerDir, { recursive: true, force: true });
  }
});

describe('a BaseManager server over TCP facing hostile peers', () => {
  let srv: HostileManager;
  let address: { host: string; port: number };
  let echo: RemoteProxy<Echo>;
  let serverPid: number;
  before(async () => {
    srv = new HostileManager({ address: { host: '127.0.0.1', port: 0 }, authKey: KEY, handshakeTimeout: 1000, maxMessageSize: 64 * 1024 });
    await within(30_000, srv.start(), 'manager start');
    address = srv.address as { host: string; port: number };
    echo = await within(20_000, srv.Echo());
    serverPid = await echo.pid();
  });
  after(async () => {
    await within(20_000, srv.shutdown(), 'manager shutdown');
    assert.ok(await goneWithin(serverPid, 10_000), `manager server ${serverPid} still alive`);
  });

  /** An honest client still gets answers. */
  async function honest(): Promise<void> {
    assert.equal(await within(10_000, echo.describe(new Map())), 'Map');
  }

  it('garbage before the handshake: that socket is closed, honest clients go on', async () => {
    for (const [what, bytes] of garbage) {
      const p = await RawPeer.connect(address);
      p.write(bytes);
      await p.closedByServer(`the server closing the socket that sent ${what}`, 5000);
      await honest();
    }
  });

  it('a client that never finishes the handshake is closed after handshakeTimeout', async () => {
    const silent = await RawPeer.connect(address);
    const halfway = await RawPeer.connect(address);
    halfway.write('MPHS\x01'); // the start of a frame, then nothing
    const started = Date.now();
    await honest(); // served meanwhile
    await silent.closedByServer('the silent client closed', 10_000);
    await halfway.closedByServer('the half-way client closed', 10_000);
    const waited = Date.now() - started;
    assert.ok(waited >= 800 && waited < 8000, `closed after ${waited} ms; handshakeTimeout is 1000 ms`);
    await honest();
  });

  it('an oversized length prefix closes that connection at once, allocating nothing; honest clients go on', async () => {
    const rss = rssOf(serverPid);
    for (const announced of [0xffffffff, 64 * 1024 + 1]) {
      const p = await RawPeer.connect(address);
      await p.handshake(KEY);
      p.frame(Buffer.alloc(16), announced);
      await p.closedByServer(`the server closing a ${announced}-byte announcement`, 5000);
      await honest();
    }
    assert.ok(rssOf(serverPid) - rss < 256 * 1024 * 1024, 'the server allocated memory for an announced length');
  });

  it("a client's maxMessageSize: an answer over it breaks that client's connection only", async () => {
    const small = new HostileManager({ address, authKey: KEY, maxMessageSize: 1024 });
    await within(20_000, small.connect());
    const mine = await within(10_000, small.Echo());
    assert.equal((await mine.repeat(1000)).length, 1000);
    const e = await rejection(mine.repeat(2000), 10_000);
    assert.equal(e.code, 'ERR_HUB_CLOSED', `${e.name}: ${e.message}`);
    assert.equal((e.cause as { code?: string }).code, 'ERR_FRAME_TOO_LARGE');
    await honest();
  });

  it('maxMessageSize and handshakeTimeout are checked when the manager is made (ERR_OUT_OF_RANGE)', () => {
    for (const maxMessageSize of [0, -1, 1.5, 2 ** 31, NaN, '1' as unknown as number]) {
      assert.throws(() => new HostileManager({ address, authKey: KEY, maxMessageSize }), {
        code: 'ERR_OUT_OF_RANGE',
        message: /maxMessageSize must be an integer number of bytes from 1 to/,
      });
    }
    for (const handshakeTimeout of [0, -5, NaN, 'x' as unknown as number]) {
      assert.throws(() => new HostileManager({ address, authKey: KEY, handshakeTimeout }), {
        code: 'ERR_OUT_OF_RANGE',
        message: /handshakeTimeout must be a positive number of ms/,
      });
    }
  });

  it('a wrong authKey 1000 times in a row: each refused with AuthenticationError, then an honest client connects', async () => {
    const fds = fdsOf(serverPid);
    const outcomes = await within(
      90_000,
      inWaves(1000, 25, (i) => new HostileManager({ address, authKey: `wrong key ${i}` }).connect()),
      'the wrong keys',
    );
    assertAllRefused(outcomes);
    const right = new HostileManager({ address, authKey: KEY });
    await within(20_000, right.connect());
    const mine = await within(10_000, right.Echo());
    assert.equal(await mine.pid(), serverPid);
    await honest();
    assert.ok(fdsOf(serverPid) - fds < 50, 'the server kept the refused sockets open');
  });

  it('an authenticated message naming a module and export the server never registered is rejected, and nothing is imported', async () => {
    const p = await RawPeer.connect(address);
    await p.handshake(KEY);
    p.send([H.CREATE, 1, 'Echo', {}, encode([])]);
    const created = await within(10_000, p.recv());
    assert.equal(created[0], H.OK, 'the raw peer could not create an Echo');
    const id = (created[2] as [string, string])[1];
    const evil = exportRef(hostileModuleUrl, 'Evil');
    const crafted: [string, unknown[]][] = [
      ['constructor arguments holding an instance of its class', [H.CREATE, 2, 'Echo', {}, naming(evil, 'instance')]],
      ['method arguments holding its class as a record', [H.CALL, 3, id, 'call', 'describe', naming(evil, 'classNode')]],
      ['method arguments holding an error of its class', [H.CALL, 4, id, 'call', 'describe', naming(exportRef(hostileModuleUrl, 'default'), 'error')]],
      ['method arguments naming its function, nested', [H.CALL, 5, id, 'call', 'describe', naming(exportRef(hostileModuleUrl, 'evil'), 'nested')]],
      ['a function as source text', [H.CALL, 6, id, 'call', 'describe', naming({ s: '() => globalThis.x = 1', n: 'x', method: false })]],
    ];
    for (const [what, msg] of crafted) {
      p.send(msg);
      const reply = await within(10_000, p.recv(), what);
      assert.deepEqual(reply.slice(0, 2), [H.FAIL, msg[1]], `${what} was accepted`);
      const err = decode(reply[2] as Uint8Array) as Error & { code?: string };
      assert.equal(err.code, 'ERR_INVALID_MESSAGE', `${what}: ${err.name}: ${err.message}`);
    }
    // Naming it as a type or a method does not reach code either.
    p.send([H.CREATE, 7, hostileModuleUrl, { callable: evil }, encode([])]);
    assert.equal((decode((await within(10_000, p.recv()))[2] as Uint8Array) as { code?: string }).code, 'ERR_UNKNOWN_TYPEID');
    p.send([H.CALL, 8, id, 'call', 'constructor', encode([])]);
    assert.equal((decode((await within(10_000, p.recv()))[2] as Uint8Array) as { code?: string }).code, 'ERR_METHOD_NOT_EXPOSED');
    // The session is still usable, and the server process never loaded the module.
    p.send([H.CALL, 9, id, 'call', 'marked', encode([])]);
    const marked = await within(10_000, p.recv());
    assert.deepEqual(marked.slice(0, 2), [H.OK, 9]);
    assert.equal(decode(marked[2] as Uint8Array), false);
    assert.equal(await echo.marked(), false);
    assertNeverImported();
    p.destroy();
  });

  it('a shared object inside a frame (outside any value) is refused: the server never attaches the segment it names', async () => {
    const shm = new SharedMemory({ create: true, size: 4096 });
    try {
      const p = await RawPeer.connect(address);
      await p.handshake(KEY);
      p.send([H.CALL, 1, 'x', 'y']);
      assert.deepEqual((await within(10_000, p.recv())).slice(0, 2), [H.FAIL, 1], 'the session is live');
      // [CALL, 2, 'x', <record>]: a record in the envelope itself, where only codec bytes belong.
      p.frame(Buffer.concat([Buffer.from([0x94, H.CALL, 2, 0xa1, 0x78]), shared('multiproc.SharedMemory', shm.name)]));
      const outcome = await within(
        10_000,
        p.recv().then(
          (m) => `the server read it and answered ${JSON.stringify(m.slice(0, 2))}`,
          () => 'closed',
        ),
      );
      const maps = readFileSync(`/proc/${serverPid}/maps`, 'utf8');
      assert.ok(!maps.includes(shm.name), `the server mapped ${shm.name}`);
      assert.equal(outcome, 'closed');
      await honest();
    } finally {
      shm.close();
      shm.unlink();
    }
  });
});

describe('a Listener over TCP facing hostile peers', () => {
  const open: { close(): void }[] = [];
  after(() => {
    for (const o of open) o.close();
  });

  async function listen(options: { handshakeTimeout?: number; maxMessageSize?: number } = {}): Promise<Listener & { address: { host: string; port: number } }> {
    const l = new Listener({ address: { host: '127.0.0.1', port: 0 }, authKey: KEY, ...options });
    open.push(l);
    return (await within(5000, l.ready)) as Listener & { address: { host: string; port: number } };
  }

  /** accept() until a Connection comes, skipping refused clients (each an AuthenticationError). */
  async function nextHonest(l: Listener): Promise<Connection> {
    for (let i = 0; i < 100; i++) {
      try {
        return await within(10_000, l.accept());
      } catch (e) {
        assert.ok(e instanceof AuthenticationError, `accept() failed with ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    throw new Error('no honest client came through');
  }

  /** A raw peer that authenticated, and the Connection the listener accepted for it. */
  async function rawPeerOf(l: Listener): Promise<{ p: RawPeer; server: Connection }> {
    const accepted = l.accept();
    const p = await RawPeer.connect(l.address as { host: string; port: number });
    await p.handshake(KEY);
    const server = await within(10_000, accepted);
    open.push(server);
    return { p, server };
  }

  /** An honest client connects, is accepted and is answered. */
  async function honest(l: Listener): Promise<void> {
    const client = Client(l.address, { authKey: KEY });
    const server = await nextHonest(l);
    const c = await within(10_000, client);
    open.push(server, c);
    await c.send({ hello: 1 });
    assert.deepEqual(await within(5000, server.recv()), { hello: 1 });
  }

  it('garbage before the handshake: refused with AuthenticationError, honest clients go on', async () => {
    const l = await listen();
    for (const [what, bytes] of garbage) {
      const p = await RawPeer.connect(l.address);
      p.write(bytes);
      const e = await rejection(l.accept(), 10_000);
      assert.ok(e instanceof AuthenticationError, `${what}: ${e.name}: ${e.message}`);
      assert.equal(e.code, 'ERR_INVALID_HANDSHAKE', what);
      await p.closedByServer(`the listener closing the socket that sent ${what}`, 5000);
    }
    await honest(l);
  });

  it('a client that never finishes the handshake is closed after handshakeTimeout', async () => {
    const l = await listen({ handshakeTimeout: 500 });
    const p = await RawPeer.connect(l.address);
    const started = Date.now();
    const e = await rejection(l.accept(), 10_000);
    assert.equal(e.code, 'ERR_HANDSHAKE_TIMEOUT');
    await p.closedByServer('the listener closing the silent client', 5000);
    const waited = Date.now() - started;
    assert.ok(waited >= 400 && waited < 8000, `closed after ${waited} ms; handshakeTimeout is 500 ms`);
    await honest(l);
  });

  it('an oversized length prefix breaks that connection with ERR_FRAME_TOO_LARGE; the listener goes on', async () => {
    const l = await listen({ maxMessageSize: 1024 });
    for (const announced of [0xffffffff, 1024 + 2]) {
      const { p, server } = await rawPeerOf(l);
      p.frame(Buffer.alloc(8), announced);
      assert.equal((await rejection(server.recv(), 10_000)).code, 'ERR_FRAME_TOO_LARGE');
      await p.closedByServer('the listener closing the connection', 5000);
    }
    await honest(l);
  });

  it('maxMessageSize and handshakeTimeout are checked at once (ERR_OUT_OF_RANGE); Infinity means no handshake limit', async () => {
    const address = { host: '127.0.0.1', port: 1 };
    for (const maxMessageSize of [-1, 1.5, 2 ** 32, NaN]) {
      assert.throws(() => new Listener({ address, maxMessageSize }), { code: 'ERR_OUT_OF_RANGE', message: /maxMessageSize must be an integer/ });
      assert.throws(() => Client(address, { maxMessageSize }), { code: 'ERR_OUT_OF_RANGE' });
    }
    // Any positive length is accepted: over 2^31 - 1 ms the timer chains (util/long-timer.ts).
    for (const handshakeTimeout of [0, -1, NaN]) {
      assert.throws(() => new Listener({ address, handshakeTimeout }), { code: 'ERR_OUT_OF_RANGE', message: /handshakeTimeout must be a positive number of ms/ });
      assert.throws(() => Client(address, { handshakeTimeout }), { code: 'ERR_OUT_OF_RANGE' });
    }
    // A Client with no limit used to time out at once ("within Infinity ms").
    const l = await listen({ handshakeTimeout: Infinity });
    const client = Client(l.address, { authKey: KEY, handshakeTimeout: Infinity });
    const server = await within(10_000, l.accept());
    const c = await within(10_000, client);
    open.push(server, c);
    await c.send('no limit');
    assert.equal(await within(5000, server.recv()), 'no limit');
  });

  it('a wrong authKey 1000 times in a row: each refused with AuthenticationError, then an honest client connects', async () => {
    const l = await listen();
    const fds = fdsOf('self');
    const outcomes = await within(
      90_000,
      inWaves(1000, 25, (i) => Client(l.address, { authKey: `wrong key ${i}` })),
      'the wrong keys',
    );
    assertAllRefused(outcomes);
    await honest(l); // skips the refusals accept() still reports
    assert.ok(fdsOf('self') - fds < 50, 'refused sockets were kept open');
  });

  it('an authenticated message naming a module and export is refused with ERR_INVALID_MESSAGE; nothing is imported; the connection goes on', async () => {
    const l = await listen();
    const { p, server } = await rawPeerOf(l);
    for (const shape of ['instance', 'classNode', 'error', 'nested'] as const) {
      p.sendValue(naming(exportRef(hostileModuleUrl, shape === 'error' ? 'default' : 'Evil'), shape));
      const e = await rejection(server.recv(), 10_000);
      assert.equal(e.code, 'ERR_INVALID_MESSAGE', `${shape}: ${e.name}: ${e.message}`);
    }
    p.sendValue(encode('plain values still work'));
    assert.equal(await within(5000, server.recv()), 'plain values still work');
    assertNeverImported();
  });

  it("a shared object without a key pointing at the peer's own address is refused: this program's key is never offered there (ERR_UNTRUSTED_PROXY)", async () => {
    // The trap: a keyless reference means "use your program's key"; a peer that could point it at
    // a socket of its own would get our answer to a challenge it relays from a real server.
    const trap = net.createServer();
    let reached = 0;
    trap.on('connection', (s) => {
      reached++;
      s.destroy();
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    try {
      const port = (trap.address() as net.AddressInfo).port;
      const l = await listen();
      const { p, server } = await rawPeerOf(l);
      p.sendValue(record(EXT.SHARED, ['multiproc.hub', [{ host: '127.0.0.1', port }, null, ['Lock', 'x1', {}], 'a trap', true]]));
      const e = await rejection(server.recv(), 10_000);
      assert.equal(e.code, 'ERR_UNTRUSTED_PROXY', `${e.name}: ${e.message}`);
      // The same reference with a key of the peer's own is harmless (it is not ours): accepted.
      p.sendValue(record(EXT.SHARED, ['multiproc.hub', [{ host: '127.0.0.1', port }, Buffer.from('the peer key'), ['Lock', 'x1', {}], 'a trap', true]]));
      assert.ok(await within(10_000, server.recv()));
      await sleep(200);
      assert.equal(reached, 0, 'something connected to the address the peer chose');
    } finally {
      await new Promise((r) => trap.close(r));
    }
  });

  it('a Barrier handed over by a peer never runs the action its spec names (ERR_UNTRUSTED_ACTION)', async () => {
    // The peer makes a real Barrier in a manager it can reach, naming the hostile module as its
    // action, and hands this program a reference to it.
    const mgr = new HostileManager({ address: { host: '127.0.0.1', port: 0 }, authKey: KEY });
    await within(30_000, mgr.start());
    const managerPid = await (await mgr.Echo()).pid();
    try {
      const at = mgr.address as { host: string; port: number };
      const creator = await RawPeer.connect(at);
      await creator.handshake(KEY);
      const spec = { parties: 1, action: true, timeout: null, ref: exportRef(hostileModuleUrl, 'evil') };
      creator.send([H.CREATE, 1, 'Barrier', spec, null]);
      const made = await within(10_000, creator.recv());
      assert.equal(made[0], H.OK);
      const l = await listen();
      const { p, server } = await rawPeerOf(l);
      p.sendValue(record(EXT.SHARED, ['multiproc.hub', [at, KEY, made[2], 'the manager', true]]));
      const barrier = (await within(10_000, server.recv())) as { wait(): Promise<number>; broken(): Promise<boolean> };
      const e = await rejection(barrier.wait(), 10_000);
      assert.equal(e.code, 'ERR_UNTRUSTED_ACTION', `${e.name}: ${e.message}`);
      assert.equal(await within(10_000, barrier.broken()), true, 'the others were not told');
      assertNeverImported();
      creator.destroy();
    } finally {
      await within(20_000, mgr.shutdown());
      assert.ok(await goneWithin(managerPid, 10_000), `manager server ${managerPid} still alive`);
    }
  });
});
