// Imports through a tsconfig `paths` alias.
import { triple } from '#lib/triple';

export function viaPaths(n: number): number {
  return triple(n);
}
