// Imported by work.ts as './shapes.js'.
export enum Shape {
  Square,
  Circle,
}

export class Square {
  readonly kind = Shape.Square;
  constructor(private readonly side: number) {}
  area(): number {
    return this.side * this.side;
  }
}
