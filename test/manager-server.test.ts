// BaseManager: registered types, remote errors, a server over TCP with an authKey, connect()
// from a second manager object, serveForever() in this process, and a server facing garbage,
// huge lengths and clients that vanish mid-request.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import net from 'node:net';
import { pack, unpack } from 'msgpackr';
import { Pool, Process, Queue, RemoteError, AuthenticationError, ProcessError, type RemoteProxy, type RemoteMethods } from 'multiproc';
import * as s from './fixtures/sync-targets.ts';
import { MathsManager, MathsError } from './fixtures/sync-targets.ts';
import { contexts, within, rejection, goneWithin, sleep } from './helpers.ts';

type TcpAddress = { host: string; port: number };

async function tcpManager(authKey: string, maxMessageSize?: number): Promise<MathsManager> {
  const m = new MathsManager({ address: { host: '127.0.0.1', port: 0 }, authKey, maxMessageSize });
  await within(30_000, m.start());
  return m;
}

for (const context of contexts) {
  describe(`BaseManager with registered types (${context})`, () => {
    let mm: MathsManager;
    let pool: Pool;
    before(async () => {
      mm = new MathsManager({ context });
      await within(30_000, mm.start());
      pool = new Pool({ processes: 2, context });
    });
    after(async () => {
      await pool.terminate();
      await mm.shutdown();
    });

    it('create() and the generated method give proxies; methodToTypeid answers with a proxy', async () => {
      const a = await mm.create<s.Maths>('Maths', 10);
      const b = await mm.Maths(100);
      assert.equal(a.typeid, 'Maths');
      assert.equal(await a.add(1, 2), 13);
      assert.equal(await b.add(1, 2), 103);
      assert.equal(await a.mul(6, 7), 42);
      assert.equal(await a.callMethod('add', [0, 0]), 10);
      // methodToTypeid: the answer is a proxy (its static type still says Maths).
      const child = (await a.child(1000)) as unknown as RemoteProxy<s.Maths>;
      assert.equal(child.typeid, 'Maths');
      assert.equal(await child.add(1, 1), 1002);
      const serverPid = await a.pid();
      if (context === 'process') assert.notEqual(serverPid, process.pid);
      assert.equal(await child.pid(), serverPid);
    });

    it('remote errors keep their class: a RangeError, an exported error class with its fields', async () => {
      const maths = await mm.Maths();
      const range = await rejection(maths.sqrt(-1));
      assert.ok(range instanceof RangeError, `${range.name}: ${range.message}`);
      assert.match(range.message, /sqrt of -1/);
      const custom = await rejection(maths.inverse(0));
      assert.ok(custom instanceof MathsError, `${custom.name}: ${custom.message}`);
      assert.equal(custom.code, 'E_MATHS');
      assert.equal(custom.operand, 0);
      assert.equal(await maths.inverse(4), 0.25);
    });

    it('a method that is not exposed rejects with RemoteError ERR_METHOD_NOT_EXPOSED', async () => {
      const maths = await mm.Maths();
      assert.equal('secret' in maths, false);
      for (const name of ['secret', 'constructor', 'noSuchMethod']) {
        const err = await rejection(maths.callMethod(name));
        assert.ok(err instanceof RemoteError, `${name}: ${err.name}: ${err.message}`);
        assert.equal(err.code, 'ERR_METHOD_NOT_EXPOSED');
      }
      assert.equal(await maths.add(1, 1), 2, 'the proxy stops working after a refused call');
    });

    it('without exposed, public methods are exposed and _private ones not; a factory function registers too', async () => {
      const nb = await mm.create<s.Notebook>('Notebook');
      assert.equal((await rejection(nb.callMethod('_hidden'))).code, 'ERR_METHOD_NOT_EXPOSED');
      assert.deepEqual(await nb.read(), []);
      const made = await mm.create<s.Notebook>('makeNotebook', 'first line');
      assert.deepEqual(await made.read(), ['first line']);
    });

    it('exposed methods named like words the proxy might use itself (note, call) reach the object', async () => {
      // Typed as the class's methods: today the proxy's own protected note()/call() shadow them.
      const nb = (await mm.create<s.Notebook>('Notebook')) as unknown as RemoteMethods<s.Notebook>;
      assert.equal(await within(10_000, nb.note('hello')), 1, 'proxy.note() did not call the remote note()');
      assert.equal(await within(10_000, nb.call('bob')), 'calling bob');
      assert.deepEqual(await nb.read(), ['hello']);
    });

    it('a registered proxy travels into Pool tasks and Process targets', async () => {
      const maths = await mm.Maths(1);
      const serverPid = await maths.pid();
      assert.deepEqual(await within(30_000, pool.apply(s.mathsInChild, [maths, 2, 3])), [6, serverPid]);
      const out = new Queue<[number, number]>();
      const p = new Process({ target: s.mathsReport, args: [maths, out, 4, 5], context });
      p.start();
      assert.deepEqual(await within(30_000, out.get()), [10, serverPid]);
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0, String(p.error));
    });

    it('serveForever() in this process serves a client in a child until shutdown()', async () => {
      const srv = new MathsManager({ address: { host: '127.0.0.1', port: 0 }, authKey: 'served here' });
      const served = srv.serveForever();
      let ended = false;
      void served.then(() => {
        ended = true;
      });
      const end = Date.now() + 10_000;
      while ((srv.address as TcpAddress).port === 0) {
        assert.ok(Date.now() < end, 'serveForever() did not start listening');
        await sleep(10);
      }
      const address = srv.address as TcpAddress;
      assert.deepEqual(await within(30_000, pool.apply(s.useRemoteMaths, [address, 'served here'])), [13, process.pid]);
      assert.equal(ended, false);
      await within(10_000, srv.shutdown());
      await within(10_000, served);
      await within(10_000, srv.shutdown());
      const err = await rejection(pool.apply(s.useRemoteMaths, [address, 'served here']), 30_000);
      assert.ok(err instanceof ProcessError, `${err.name}: ${err.message}`);
    });

    it('shutdown() ends the server process; its proxies then reject with ERR_HUB_CLOSED', async () => {
      const maths = await mm.Maths();
      const pid = await maths.pid();
      const pending = rejection(maths.slow(30_000), 20_000);
      await sleep(50);
      await within(20_000, mm.shutdown());
      const err = await pending;
      assert.ok(err instanceof ProcessError, `${err.name}: ${err.message}`);
      assert.equal(err.code, 'ERR_HUB_CLOSED');
      assert.equal((await rejection(maths.add(1, 1))).code, 'ERR_HUB_CLOSED');
      if (context === 'process') assert.ok(await goneWithin(pid, 10_000), `manager server ${pid} still alive`);
      await within(10_000, mm.shutdown());
    });
  });
}

/** A raw TCP peer that speaks the wire protocol by hand (or fails to). */
class RawPeer {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  readonly closed: Promise<void>;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    sock.on('error', () => {});
    this.closed = new Promise((r) =>
      sock.once('close', () => {
        r();
        this.wake?.();
      }),
    );
  }
  static connect(a: TcpAddress): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(a.port, a.host, () => resolve(new RawPeer(sock)));
      sock.once('error', reject);
    });
  }
  async read(n: number): Promise<Buffer> {
    const end = Date.now() + 10_000;
    while (this.buf.length < n) {
      assert.ok(!this.sock.destroyed && Date.now() < end, `the server sent ${this.buf.length} of ${n} bytes, then nothing`);
      await within(
        10_000,
        new Promise<void>((r) => {
          this.wake = r;
        }),
      );
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** The handshake frame: 'MPHS', version 1, type, u16 BE length, body. */
  static frame(type: number, body = Buffer.alloc(0)): Buffer {
    const head = Buffer.from([0x4d, 0x50, 0x48, 0x53, 1, type, 0, 0]);
    head.writeUInt16BE(body.length, 6);
    return Buffer.concat([head, body]);
  }
  /** Proves the key as the library's client does. */
  async handshake(key: string): Promise<void> {
    const mac = (role: string, c: Buffer) => createHmac('sha256', key).update(`multiproc-handshake-v1 ${role}`).update(c).digest();
    const head = await this.read(8);
    const challenge = await this.read(head.readUInt16BE(6));
    const mine = randomBytes(32);
    this.sock.write(RawPeer.frame(2, Buffer.concat([mac('client', challenge), mine])));
    const welcome = await this.read(8);
    assert.ok((await this.read(welcome.readUInt16BE(6))).equals(mac('server', mine)), 'the server did not prove the key');
    this.sock.write(RawPeer.frame(4));
  }
  /** Sends one message frame: u32 LE length, msgpack array. */
  send(msg: unknown[]): void {
    const body = pack(msg);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    this.sock.write(Buffer.concat([len, body]));
  }
  async recv(): Promise<unknown[]> {
    const len = (await this.read(4)).readUInt32LE(0);
    return unpack(await this.read(len)) as unknown[];
  }
}

// A fresh server for each test: what one test does to this process's connections cannot leak into the next.
describe('shared objects passed to a registered method', () => {
  it("the manager's own objects and this program's plain ones reach the method (keyless references from its own program)", async () => {
    for (const context of contexts) {
      const m = new s.MailManager({ context });
      await within(30_000, m.start());
      try {
        const mailer = await m.Mailer();
        const managed = await m.Queue<string>();
        assert.equal(await within(20_000, mailer.send(managed, 'to the manager')), 14);
        assert.equal(await within(10_000, managed.get()), 'to the manager');
        const plain = new Queue<string>();
        assert.equal(await within(20_000, mailer.send(plain, 'to this program')), 15);
        assert.equal(await within(10_000, plain.get()), 'to this program');
      } finally {
        await m.shutdown();
      }
    }
  });

  it('with an authKey of its own, a reference back to the manager itself still works; one to elsewhere is refused (ERR_UNTRUSTED_PROXY)', async () => {
    const m = new s.MailManager({ address: { host: '127.0.0.1', port: 0 }, authKey: 'mail key' });
    await within(30_000, m.start());
    try {
      const mailer = await m.Mailer();
      const managed = await m.Queue<string>();
      assert.equal(await within(20_000, mailer.send(managed, 'back home')), 9);
      assert.equal(await within(10_000, managed.get()), 'back home');
      // This program's plain queue carries no key: the server would have to offer its own key
      // to an address a client chose.
      const e = await rejection(mailer.send(new Queue<string>(), 'elsewhere'));
      assert.equal(e.code, 'ERR_UNTRUSTED_PROXY', `${e.name}: ${e.message}`);
    } finally {
      await m.shutdown();
    }
  });
});

describe('BaseManager over TCP with an authKey', () => {
  let srv: MathsManager;
  let address: TcpAddress;
  beforeEach(async () => {
    srv = await tcpManager('open sesame', 1024 * 1024);
    address = srv.address as TcpAddress;
  });
  afterEach(() => srv.shutdown());

  it('listens on the port it picked; a second manager object connect()s with the key and uses it', async () => {
    assert.equal(address.host, '127.0.0.1');
    assert.ok(address.port > 0);
    const client = new MathsManager({ address, authKey: 'open sesame' });
    await within(20_000, client.connect());
    const maths = await client.Maths(1);
    assert.equal(await maths.add(2, 3), 6);
    const serverPid = await maths.pid();
    assert.notEqual(serverPid, process.pid);
    await client.shutdown();
    // Only the client's side ended: the server still serves the manager that started it.
    const again = await srv.Maths(2).catch((e: Error) => assert.fail(`the client's shutdown() cut off the starting manager: ${e.message}`));
    assert.equal(await again.add(0, 0), 2);
  });

  it('a wrong key is refused with AuthenticationError ERR_AUTHENTICATION_FAILED', async () => {
    const wrong = new MathsManager({ address, authKey: 'wrong key' });
    const err = await rejection(wrong.connect());
    assert.equal(err.code, 'ERR_AUTHENTICATION_FAILED');
    assert.ok(err instanceof AuthenticationError, `got ${err.constructor.name}: ${err.message}`);
  });

  it('after a wrong key was refused, the right key still connects', async () => {
    await rejection(new MathsManager({ address, authKey: 'wrong key' }).connect());
    const right = new MathsManager({ address, authKey: 'open sesame' });
    await within(20_000, right.connect());
    assert.equal(await (await right.Maths(1)).add(1, 1), 3);
  });

  it('a wrong key is refused even while this process holds an authenticated connection to the server', async () => {
    const right = new MathsManager({ address, authKey: 'open sesame' });
    await within(20_000, right.connect());
    assert.equal(await (await right.Maths()).mul(2, 2), 4);
    const wrong = new MathsManager({ address, authKey: 'not the key' });
    const err = await rejection(wrong.connect().then(() => wrong.Maths()));
    assert.equal(err.code, 'ERR_AUTHENTICATION_FAILED', `a wrong key was let in: ${err.message}`);
  });

  it('garbage, an oversized handshake length, an oversized message length and half a message: that socket is closed, honest clients go on', async () => {
    const honest = await srv.Maths(7);
    const bad: Array<(p: RawPeer) => Promise<void>> = [
      async (p) => {
        p.sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      },
      async (p) => {
        p.sock.write(randomBytes(4096));
      },
      async (p) => {
        p.sock.write(Buffer.from([0x4d, 0x50, 0x48, 0x53, 1, 2, 0xff, 0xff]));
      },
      async (p) => {
        await p.handshake('open sesame');
        // The session is live: a call on an object that does not exist is answered with FAIL (6).
        p.send([2, 1, 'no such object', 'x']);
        assert.deepEqual((await p.recv()).slice(0, 2), [6, 1]);
        const huge = Buffer.alloc(4);
        huge.writeUInt32LE(0xffffffff);
        p.sock.write(huge);
      },
      async (p) => {
        await p.handshake('open sesame');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(2 * 1024 * 1024); // over this server's maxMessageSize
        p.sock.write(len);
      },
      async (p) => {
        await p.handshake('open sesame');
        p.sock.write(Buffer.from([3, 0, 0, 0, 0xc1, 0xc1, 0xc1])); // a frame that is not msgpack
      },
      async (p) => {
        await p.handshake('open sesame');
        const body = pack('not an array');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(body.length);
        p.sock.write(Buffer.concat([len, body]));
      },
    ];
    for (const [i, misbehave] of bad.entries()) {
      const p = await RawPeer.connect(address);
      await misbehave(p);
      await within(10_000, p.closed, `socket ${i} closed by the server`);
      assert.equal(await honest.add(i, 0), 7 + i);
    }
    // Half a message, then the client vanishes.
    const half = await RawPeer.connect(address);
    await half.handshake('open sesame');
    const frame = pack([2, 7, 'whatever', 'x', 'y']);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(frame.length);
    half.sock.write(Buffer.concat([len, frame.subarray(0, 3)]));
    await sleep(50);
    half.sock.destroy();
    // A client that vanishes with a call still running.
    const gone = await RawPeer.connect(address);
    await gone.handshake('open sesame');
    gone.sock.destroy();
    assert.equal(await honest.mul(3, 3), 9);
    // New honest clients are still welcome (from a child: a connection of its own).
    const pool = new Pool({ processes: 1 });
    try {
      const [sum, pid] = await within(30_000, pool.apply(s.useRemoteMaths, [address, 'open sesame']));
      assert.equal(sum, 13);
      assert.equal(pid, await honest.pid());
    } finally {
      await pool.terminate();
    }
  });

  it('a client killed in the middle of a call does not disturb the others', async () => {
    const maths = await srv.Maths();
    const out = new Queue<string>();
    const p = new Process({ target: s.slowInChild, args: [maths, out] });
    p.start();
    try {
      assert.equal(await within(30_000, out.get()), 'calling');
      const mine = maths.slow(300);
      p.kill();
      await within(20_000, p.join());
      assert.equal(await within(10_000, mine), 300);
      assert.equal(await maths.add(1, 1), 2);
    } finally {
      if (p.isAlive()) p.kill();
    }
  });

  it('shutdown() ends the TCP server process; a connected client then gets ERR_HUB_CLOSED; twice is fine', async () => {
    const client = new MathsManager({ address, authKey: 'open sesame' });
    await within(20_000, client.connect());
    const maths = await client.Maths();
    const pid = await maths.pid();
    await within(20_000, srv.shutdown());
    assert.ok(await goneWithin(pid, 10_000), `server ${pid} still alive`);
    const err = await rejection(maths.add(1, 1));
    assert.ok(err instanceof ProcessError);
    assert.equal(err.code, 'ERR_HUB_CLOSED');
    await within(10_000, srv.shutdown());
    await client.shutdown();
  });
});
