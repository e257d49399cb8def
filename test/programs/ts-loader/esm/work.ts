// Worker-side module: TypeScript that needs a transform, not only type erasure.
import { Shape, Square } from './shapes.js';

export enum Level {
  Low = 1,
  High = 2,
}

export function work(n: number): string {
  const s = new Square(n);
  return `${Shape[s.kind]} ${s.area()} ${Level.High}`;
}

export function boom(): never {
  throw new Error('boom in work');
}

export function shadow(): string {
  return 'top-level shadow';
}

/** A function named like an export of this module, but not that export. */
export function makeShadow(): () => string {
  function shadow(): string {
    return 'nested shadow';
  }
  return shadow;
}
