// Reached only through the `#lib/*` alias.
export function triple(n: number): number {
  return n * 3;
}
