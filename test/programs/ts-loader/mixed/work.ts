// An ES module that loads a CommonJS TypeScript helper only when the task runs.
type Twice = { twice(x: number): number };
export async function useLegacy(n: number): Promise<number> {
  const legacy = (await import('./legacy/twice.js')) as Partial<Twice> & { default?: Twice };
  return (legacy.twice ?? legacy.default!.twice)(n);
}
