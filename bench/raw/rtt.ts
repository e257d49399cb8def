// Stand-alone raw round-trip floor (for checking the anchors without the library):
//   node --import tsx bench/raw/rtt.ts --mode=fd3|ipc|port|unix [--n=2000 --reps=5]
// Sample: mean microseconds per sequential round trip.
import { arg, intArg, now, runMeasurements } from '../lib.ts';
import { openRaw, type RawMode } from './transports.ts';

const mode = arg('mode', 'fd3') as RawMode;
const n = intArg('n', 2000);
const reps = intArg('reps', 5);

await runMeasurements([
  [
    mode,
    async () => {
      const t = await openRaw(mode);
      for (let i = 0; i < 1000; i++) await t.rt({ id: i, args: [i] });
      const us: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = now();
        for (let i = 0; i < n; i++) await t.rt({ id: i, args: [i] });
        us.push(((now() - t0) * 1000) / n);
      }
      t.close();
      return { [`raw_${mode}_us`]: us };
    },
  ],
]);
