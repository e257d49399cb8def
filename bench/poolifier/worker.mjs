// poolifier thread worker running the same trivial function as bench/tasks.ts `double`.
import { ThreadWorker } from 'poolifier';

function double(x) {
  return x * 2;
}

export default new ThreadWorker(double);
