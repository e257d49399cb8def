// Catalogue: sending values between processes (the codec) and the framing under it.
import { bufferTooShort, builtin, processError } from './define.js';

export const transferErrors = {
  notTransferable: builtin('ERR_NOT_TRANSFERABLE', 'TypeError', {
    meaning:
      'A value cannot be sent to another process: a closure over local state, a function or class that is not exported from its module, an unregistered class, a socket, or a value nested too deeply. The message names the path inside the value (`root[1].handler`).',
    fix: 'Do what the message says: export the function or class from its module, `registerClass()` a class both sides import, or send plain data instead of the object.',
  }),
  invalidMessage: builtin('ERR_INVALID_MESSAGE', 'TypeError', {
    meaning:
      'Bytes that arrived from another process, a socket peer or Redis do not decode into a value: malformed, truncated, nested too deeply, or naming something a peer may not name (a module to import, a Connection over a socket).',
    fix: 'Both sides must run the same version of multiproc; bytes sent with `sendBytes()` are read with `recvBytes()`, not `recv()`. From an untrusted peer, the refusal is the protection working.',
  }),
  untrustedProxy: builtin('ERR_UNTRUSTED_PROXY', 'TypeError', {
    meaning:
      "A peer outside this program sent a shared object that lives in another hub, without that hub's key. Connecting to an address a peer chose would offer it this program's key, so it is refused.",
    fix: "Send the object's authKey with it (and attach on purpose), or send the data instead of the object.",
  }),
  untrustedAction: builtin('ERR_UNTRUSTED_ACTION', 'Error', {
    meaning:
      'A Barrier that came from outside this program (a remote manager or a socket peer) names its action only by reference, and code a peer chose is never imported or run.',
    fix: 'Give the Barrier its action in this program, or make the Barrier here and send it.',
  }),
  invalidFrame: processError('ERR_INVALID_FRAME', {
    meaning: 'A frame from a peer process could not be unpacked, or is not the message shape the channel expects; the channel is closed.',
    fix: 'Usually a version mismatch between the two sides or something else writing to the channel: run one multiproc version, and keep other output off the channel.',
  }),
  frameTooLarge: builtin('ERR_FRAME_TOO_LARGE', 'RangeError', {
    meaning: "A peer announced or sent a message longer than the connection's `maxMessageSize`; the connection is closed rather than allocate it.",
    fix: 'If such messages are expected, give the Listener, Client or manager a larger `maxMessageSize`; else find out what the peer sends.',
  }),
  messageTooLong: builtin('ERR_MESSAGE_TOO_LONG', 'RangeError', {
    meaning: '`recvBytes(maxLength)` received a message longer than `maxLength`.',
    fix: 'Pass a larger `maxLength`, or none.',
  }),
  bufferTooShort: bufferTooShort({
    meaning: "`recvBytesInto()` received a message larger than the buffer from the offset on (Python's `BufferTooShort`). The message is not lost: its bytes are in `err.data`.",
    fix: 'Read `err.data`, or pass a larger buffer.',
  }),
};
