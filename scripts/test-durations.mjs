// A node:test reporter for scripts/test-suite.mjs: one JSON line per top-level test (its file and
// how long it took), so the runner can print where the suite's wall time goes. Node 22 and later
// also report each file as a top-level test named by its path; Node 20 does not, so there a
// file's time is the sum of its top-level tests.
export default async function* durations(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      yield `${JSON.stringify({ file: event.data.file ?? '?', name: event.data.name, ms: event.data.details?.duration_ms ?? 0, ok: event.type === 'test:pass' })}\n`;
    }
  }
}
