// The program's authentication key (CPython's `current_process().authkey`): random in the main
// program, inherited by every worker. Hubs of this program accept only peers that know it.
import { randomBytes } from 'node:crypto';
import { runtimeState } from '../util/state.js';

export function programAuthKey(): Uint8Array {
  const state = runtimeState();
  return (state.authKey ??= new Uint8Array(randomBytes(32)));
}
