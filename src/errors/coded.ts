// The helpers call sites used before the catalogue: a code passed as a string. Kept only until
// the remaining sites (src/pool, src/hub, src/shm, src/sync, src/cluster, ...) use the
// catalogue's factories; new code uses `errors.*` (./catalogue.ts).

/** Build an error of class `Ctor` with `code` set. */
export function codedError<E extends Error>(Ctor: new (message: string) => E, code: string, message: string): E & { code: string } {
  const err = new Ctor(message) as E & { code: string };
  err.code = code;
  return err;
}

export const misuse = (code: string, message: string): Error & { code: string } => codedError(Error, code, message);
export const typeErr = (code: string, message: string): TypeError & { code: string } => codedError(TypeError, code, message);
export const rangeErr = (code: string, message: string): RangeError & { code: string } => codedError(RangeError, code, message);
