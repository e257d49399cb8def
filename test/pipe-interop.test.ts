// send(obj) and sendBytes interoperate as in CPython (send is sendBytes of the value's
// encoding): a middle process relaying with recvBytes()/sendBytes() delivers values the far
// end recv()s; the bytes recvBytes() returns for a send(obj) carry that value when sent on
// with sendBytes(). Bytes that are no encoded value reject recv() with ERR_INVALID_MESSAGE;
// from a socket peer they decode under the untrusted rules.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Listener, Pipe, Process } from 'multiproc';
import { recvAndWrap, relayBytes } from './fixtures/relay.ts';
import { contexts, rejection, within } from './helpers.ts';

const values: unknown[] = [42, 'text', null, [1, [2, 3]], { a: new Map([['k', new Set([1n])]]) }, Buffer.from('bytes'), new Date(0), -0, '\ud83d', [1, , 3]];

for (const context of contexts) {
  describe(`send/sendBytes interop through a middle ${context}`, () => {
    it('values sent with send() and relayed as bytes are recv()d as the values; their bytes sent on with sendBytes() too', async () => {
      const [toMiddle, middleIn] = Pipe(),
        [middleOut, fromMiddle] = Pipe();
      const n = values.length * 3;
      const p = new Process({ target: relayBytes, args: [middleIn, middleOut, n], context });
      p.start();
      for (const v of values) {
        await toMiddle.send(v);
        assert.deepEqual(await within(20_000, fromMiddle.recv()), v);
      }
      // The bytes of send(obj), as recvBytes() returns them, are what sendBytes carries to a recv().
      for (const v of values) {
        await toMiddle.send(v);
        const bytes = await within(20_000, fromMiddle.recvBytes());
        await toMiddle.sendBytes(bytes);
        assert.deepEqual(await within(20_000, fromMiddle.recv()), v);
      }
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0);
    });

    it('bytes relayed from recvBytes() reach a child that recv()s them as values', async () => {
      const [a, childIn] = Pipe(),
        [childOut, b] = Pipe();
      const [bytesIn, bytesOut] = Pipe();
      const p = new Process({ target: recvAndWrap, args: [childIn, childOut, values.length], context });
      p.start();
      for (const v of values) {
        // Take the bytes of send(v) here, then hand them to the child with sendBytes.
        await bytesIn.send(v);
        await a.sendBytes(await within(20_000, bytesOut.recvBytes()));
        assert.deepEqual(await within(20_000, b.recv()), [v]);
      }
      await within(20_000, p.join());
    });
  });
}

describe('send/sendBytes interop: what recv() refuses', () => {
  it("bytes that are no encoded value reject recv() with ERR_INVALID_MESSAGE (pipe and socket); relayed bytes reach a socket peer's recv()", async () => {
    const [a, b] = Pipe();
    await a.sendBytes(Buffer.from('raw'));
    assert.equal((await rejection(b.recv())).code, 'ERR_INVALID_MESSAGE');
    const listener = new Listener({ address: { host: '127.0.0.1', port: 0 }, authKey: 'k' });
    try {
      await within(10_000, listener.ready);
      const [server, client] = await within(10_000, Promise.all([listener.accept(), Client(listener.address, { authKey: 'k' })]));
      // A value sent with send() on a pipe, relayed to a socket peer as bytes: recv() there works.
      await a.send({ relayed: [1, 2] });
      await client.sendBytes(await b.recvBytes());
      assert.deepEqual(await within(10_000, server.recv()), { relayed: [1, 2] });
      await client.sendBytes(Buffer.from('raw'));
      assert.equal((await rejection(server.recv())).code, 'ERR_INVALID_MESSAGE');
      client.close();
      server.close();
    } finally {
      listener.close();
    }
  });
});
