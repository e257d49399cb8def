// Imports through a tsconfig `paths` alias.
// @ts-expect-error -- mapped by this directory's tsconfig.json `paths` (tsx), which the project's type check does not read
import { triple } from '#lib/triple';

export function viaPaths(n: number): number {
  return triple(n);
}
