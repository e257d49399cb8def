// Mutual HMAC challenge/response over a freshly connected socket, before any message flows.
// Each side proves it knows the key without sending it; the client proves first, so a
// stranger learns nothing it could replay. Frames are tiny and capped: anything that is not
// this protocol (garbage, a huge length, the wrong frame) is refused at the first bad byte.
//
// Frame: 'MPHS' (4) | version (1) | type (1) | body length (u16 BE, at most 256) | body
//   server -> CHALLENGE(Cs)
//   client -> RESPONSE(mac('client', Cs) + Cc)      server checks it, else FAILURE
//   server -> WELCOME(mac('server', Cc))            client checks it, else FAILURE
//   client -> ACCEPT                                both sides are done
import type { Socket } from 'node:net';
import { createRequire } from 'node:module';
import { type AuthenticationError, errors } from '../errors.js';
import { longTimeout } from '../util/long-timer.js';

// Loaded on first use: most workers never authenticate, and node:crypto costs a thread ~3 ms.
const crypto = (): typeof import('node:crypto') => createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');

export interface HandshakeOptions {
  /** ms until an unfinished handshake fails and the socket is closed (default 10_000). */
  timeout?: number;
}

const MAGIC = Buffer.from('MPHS', 'latin1');
const VERSION = 1;
const PREFIX = Buffer.concat([MAGIC, Buffer.from([VERSION])]);
const HEADER = 8;
const MAX_BODY = 256;
const NONCE = 32;
const DIGEST = 32; // SHA-256

const T = { Challenge: 1, Response: 2, Welcome: 3, Accept: 4, Failure: 5 } as const;
type T = (typeof T)[keyof typeof T];

function frame(type: T, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(HEADER + body.length);
  PREFIX.copy(out, 0);
  out[5] = type;
  out.writeUInt16BE(body.length, 6);
  out.set(body, HEADER);
  return out;
}

// The role is part of what is signed, so one side's proof is never valid as the other's.
function mac(key: Uint8Array, role: 'client' | 'server', challenge: Uint8Array): Buffer {
  return crypto().createHmac('sha256', key).update(`multiproc-handshake-v${VERSION} ${role}`).update(challenge).digest();
}

/** Does the start of `buf` (as far as it goes) match the magic and version? */
function prefixMatches(buf: Buffer): boolean {
  const n = Math.min(buf.length, PREFIX.length);
  return buf.subarray(0, n).equals(PREFIX.subarray(0, n));
}

/** Handles one frame: true once the handshake is complete. Throws an AuthenticationError to fail. */
type Step = (type: number, body: Buffer, send: (f: Buffer) => void) => boolean;
type StepError = AuthenticationError & { tellPeer?: boolean };

function run(
  socket: Socket,
  key: Uint8Array,
  options: HandshakeOptions | undefined,
  side: 'server' | 'client',
  begin: (send: (f: Buffer) => void) => void,
  step: Step,
): Promise<Buffer> {
  if (!(key instanceof Uint8Array)) throw errors.invalidArgType(`the authentication key must be a Uint8Array (Buffer), got ${typeof key}`);
  const timeout = options?.timeout ?? 10_000;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw errors.outOfRange(`handshake timeout must be a positive number of ms, got ${String(timeout)}`);
  const peer = side === 'server' ? 'client' : 'server';
  return new Promise<Buffer>((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    let done = false;
    const timer = longTimeout(() => {
      fail(errors.handshakeTimeout(`the ${side} handshake did not finish within ${timeout} ms; the connection was closed`));
    }, timeout);
    const send = (f: Buffer) => {
      socket.write(f);
    };
    const cleanup = () => {
      done = true;
      timer.clear();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    };
    const fail = (err: StepError) => {
      if (done) return;
      cleanup();
      // Whatever the socket reports from now on has no one else to go to.
      socket.on('error', () => {});
      if (err.tellPeer && socket.writable) socket.end(frame(T.Failure), () => socket.destroy());
      else socket.destroy();
      delete err.tellPeer;
      reject(err);
    };
    // Closed without a refusal frame: a refusal, or a peer that dropped the connection (a
    // server whose accept hit EMFILE closes at once). closedByPeer lets a client retry that.
    const onEnd = () =>
      fail(Object.assign(errors.authenticationFailed(`the peer closed the connection during the ${side} handshake (was it refused by the other side?)`), { closedByPeer: true }));
    const onError = (e: Error) => {
      const err = Object.assign(errors.authenticationFailed(`the connection failed during the ${side} handshake: ${e.message}`), { closedByPeer: true });
      err.cause = e;
      fail(err);
    };
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        for (;;) {
          if (!prefixMatches(buffered)) {
            throw errors.invalidHandshake(`the peer does not speak the multiproc handshake (is it a multiproc Listener/Client, and the same version?)`);
          }
          if (buffered.length < HEADER) return;
          const length = buffered.readUInt16BE(6);
          if (length > MAX_BODY) throw errors.invalidHandshake(`the peer announced a ${length}-byte handshake frame; the limit is ${MAX_BODY}`);
          if (buffered.length < HEADER + length) return;
          const type = buffered[5]!;
          const body = buffered.subarray(HEADER, HEADER + length);
          buffered = buffered.subarray(HEADER + length);
          if (type === T.Failure) throw errors.authenticationFailed(`the ${peer} refused authentication: the two sides' authKeys differ (or only one side has one)`);
          if (step(type, body, send)) {
            // Hold further bytes until the next reader listens (a flowing socket would drop them).
            socket.pause();
            cleanup();
            resolve(buffered);
            return;
          }
        }
      } catch (e) {
        fail(e as StepError);
      }
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    if (socket.destroyed) {
      onEnd();
      return;
    }
    begin(send);
  });
}

function expect(type: number, want: T, body: Buffer, size: number, what: string): void {
  if (type !== want || body.length !== size) throw errors.invalidHandshake(`the peer sent an unexpected handshake frame (wanted ${what})`);
}

function refuse(message: string): StepError {
  const err: StepError = errors.authenticationFailed(message);
  err.tellPeer = true;
  return err;
}

/**
 * Server side. Resolves with any bytes the peer sent after the handshake (feed them to the
 * next reader, which should listen in the same tick); rejects with AuthenticationError
 * (`ERR_AUTHENTICATION_FAILED`, `ERR_HANDSHAKE_TIMEOUT`, `ERR_INVALID_HANDSHAKE`) and destroys the socket.
 */
export function serverHandshake(socket: Socket, key: Uint8Array, options?: HandshakeOptions): Promise<Buffer> {
  const challenge = crypto().randomBytes(NONCE);
  let proved = false;
  return run(
    socket,
    key,
    options,
    'server',
    (send) => send(frame(T.Challenge, challenge)),
    (type, body, send) => {
      if (!proved) {
        expect(type, T.Response, body, DIGEST + NONCE, 'the response to its challenge');
        if (!crypto().timingSafeEqual(body.subarray(0, DIGEST), mac(key, 'client', challenge))) {
          throw refuse("a client failed authentication: its authKey differs from this side's (or only one side has one); it was refused");
        }
        send(frame(T.Welcome, mac(key, 'server', body.subarray(DIGEST))));
        proved = true;
        return false;
      }
      expect(type, T.Accept, body, 0, 'the final acceptance');
      return true;
    },
  );
}

/** Client side. Same contract as serverHandshake. */
export function clientHandshake(socket: Socket, key: Uint8Array, options?: HandshakeOptions): Promise<Buffer> {
  const challenge = crypto().randomBytes(NONCE);
  let answered = false;
  return run(
    socket,
    key,
    options,
    'client',
    () => {},
    (type, body, send) => {
      if (!answered) {
        expect(type, T.Challenge, body, NONCE, 'a challenge');
        send(frame(T.Response, Buffer.concat([mac(key, 'client', body), challenge])));
        answered = true;
        return false;
      }
      expect(type, T.Welcome, body, DIGEST, "the server's proof");
      if (!crypto().timingSafeEqual(body, mac(key, 'server', challenge))) {
        throw refuse('the server could not prove it knows the authKey; the connection was refused');
      }
      send(frame(T.Accept));
      return true;
    },
  );
}
