// Catalogue: Pipe and Connection ends, Listener and Client, and their handshake.
import { AuthenticationError } from './classes.js';
import { builtin, eof, processError } from './define.js';

export const connectionErrors = {
  connectionClosed: builtin('ERR_CONNECTION_CLOSED', 'Error', {
    meaning: 'A Connection was used after `close()`, or closed while a `recv()` waited on it.',
    fix: 'Close a connection only when done with it; check `conn.closed` before using one that may be closed.',
  }),
  connectionMoved: builtin('ERR_CONNECTION_MOVED', 'Error', {
    meaning: 'This end of a Pipe was sent to another process, which owns it now; it can no longer be used here (also when it moved while a `recv()` waited).',
    fix: 'Use the end in the process it was sent to; keep the other end here.',
  }),
  connectionReadOnly: builtin('ERR_CONNECTION_READ_ONLY', 'Error', {
    meaning: '`send()` on the receiving end of a one-way `Pipe(false)`.',
    fix: 'Send on the other end (the second of the pair), or make a two-way `Pipe()`.',
  }),
  connectionWriteOnly: builtin('ERR_CONNECTION_WRITE_ONLY', 'Error', {
    meaning: '`recv()` on the sending end of a one-way `Pipe(false)`.',
    fix: 'Receive on the other end (the first of the pair), or make a two-way `Pipe()`.',
  }),
  brokenPipe: processError('ERR_BROKEN_PIPE', {
    meaning: 'A send found the other end closed (its process ended or closed it), or the socket broke while sending.',
    fix: 'Make sure the peer stays open until it has read what you send; a peer that ends early is a bug to find on its side.',
  }),
  eof: eof({
    meaning: "`recv()` found the other end closed and nothing left to read (Python's `EOFError`). Its class is `EOFError`.",
    fix: 'Expected when the peer is done: treat it as the end of the stream.',
  }),
  listenerClosed: builtin('ERR_LISTENER_CLOSED', 'Error', {
    meaning: '`accept()` on a closed Listener, or the Listener was closed while `accept()` waited.',
    fix: 'Create a new Listener to accept more connections.',
  }),
  listenerNotReady: builtin('ERR_LISTENER_NOT_READY', 'Error', {
    meaning: '`listener.address` was read before the Listener was bound; with port 0 the port is known only once bound.',
    fix: '`await listener.ready` before reading `listener.address`.',
  }),
  authenticationFailed: processError(
    'ERR_AUTHENTICATION_FAILED',
    {
      meaning:
        "The handshake failed: the two sides' `authKey`s differ (or only one side has one), or the connection closed or broke during the handshake. Its class is `AuthenticationError`.",
      fix: "Give both sides the same `authKey` (a manager's proxies carry it; a Client needs it passed).",
    },
    AuthenticationError,
  ),
  handshakeTimeout: processError(
    'ERR_HANDSHAKE_TIMEOUT',
    {
      meaning: 'The peer did not finish the handshake within `handshakeTimeout`; the connection was closed. Its class is `AuthenticationError`.',
      fix: 'Check the address points at a multiproc Listener or manager; raise `handshakeTimeout` on a slow link.',
    },
    AuthenticationError,
  ),
  invalidHandshake: processError(
    'ERR_INVALID_HANDSHAKE',
    {
      meaning:
        'The peer does not speak the multiproc handshake (another program on that port, or another version), or sent an unexpected or oversized handshake frame. Its class is `AuthenticationError`.',
      fix: 'Connect to a multiproc Listener or manager of the same version.',
    },
    AuthenticationError,
  ),
};
