// A class the main program never loaded: its module is loaded only in the worker.
export class Hidden {
  constructor(v) {
    this.v = v;
  }
  get twice() {
    return this.v * 2;
  }
}
