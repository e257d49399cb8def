// A CommonJS TypeScript module.
export function half(n: number): number {
  return n / 2;
}
export const where = typeof module;
