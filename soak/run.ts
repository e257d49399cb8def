// `npm run soak`: 1,000,000 small tasks through apply, imap and a Queue in each context (or
// --n=N, --context=process|thread), printed as a table: the figures RELIABILITY.md quotes ("Long runs").
import { soak, type PhaseReport } from './soak-core.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const n = Number(arg('n') ?? 1_000_000);
const contexts = arg('context') ? [arg('context') as 'process' | 'thread'] : (['process', 'thread'] as const);

const rows: Array<PhaseReport & { context: string }> = [];
let warnings: string[] = [];
for (const context of contexts) {
  process.stderr.write(`soak: ${n} items x 3 phases, ${context} context ...\n`);
  const r = await soak({ context, n });
  rows.push(...r.reports.map((x) => ({ ...x, context })));
  warnings = warnings.concat(r.warnings);
}
const head = ['context', 'phase', 'items', 'seconds', 'first 10% /s', 'last 10% /s', 'last/first', 'heap after GC (MB)', 'growth (MB)', 'RSS (MB)', 'timers'];
const lines = rows.map((r) => [
  r.context,
  r.phase,
  String(r.n),
  String(r.seconds),
  String(r.firstTenthPerS),
  String(r.lastTenthPerS),
  r.steadiness.toFixed(2),
  `${r.heapBeforeMB} -> ${r.heapAfterMB}`,
  String(r.heapGrowthMB),
  String(r.rssAfterMB),
  `${r.timersBefore} -> ${r.timersAfter}`,
]);
const width = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const fmt = (l: string[]) => '| ' + l.map((c, i) => c.padEnd(width[i]!)).join(' | ') + ' |';
console.log(fmt(head));
console.log('|' + width.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const l of lines) console.log(fmt(l));
console.log(`warnings: ${warnings.length ? warnings.join('; ') : 'none'}`);
