// CommonJS TypeScript (its package.json says "type": "commonjs").
export function twice(x: number): number {
  return x * 2;
}
