// A node:test reporter for scripts/test-suite.mjs: one JSON line per top-level test (its file and
// how long it took), so the runner can print where the suite's wall time goes. Node 20 reports
// no file-level event, so a file's time is the sum of its top-level tests.
export default async function* durations(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      yield `${JSON.stringify({ file: event.data.file ?? '?', ms: event.data.details?.duration_ms ?? 0, ok: event.type === 'test:pass' })}\n`;
    }
  }
}
