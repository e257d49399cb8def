// Imported with its .ts extension, as Node's type stripping requires; erasable syntax only.
export interface Shape {
  kind: 'square';
  side: number;
}
export const area = (s: Shape): number => s.side * s.side;
