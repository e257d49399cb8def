// Values stored in Redis: encoded with the project's codec (classes, Maps, Dates, errors
// keep their kind), decoded as bytes from outside this program: never importing a module,
// never running code (allowModules: false). A class instance comes back as its class when
// this process has loaded that class (as a task that uses it has), else ERR_INVALID_MESSAGE.
import { decode, encode } from '../../codec/codec.js';
import { errors } from '../../errors.js';

export function toBytes(value: unknown, what: string): Buffer {
  const u8 = encode(value, what);
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

export function fromBytes<T>(bytes: unknown): T {
  if (!(bytes instanceof Uint8Array)) throw errors.invalidMessage('a value read from Redis is not bytes');
  return decode(bytes, { allowModules: false }) as T;
}
