// Placeholder: the resource tracker (unlinks this program's segments when it ends, also on
// SIGKILL) is being written; until then segments are only tracked here.
const tracked = new Set<string>();
export function trackSegment(name: string): void { tracked.add(name); }
export function untrackSegment(name: string): void { tracked.delete(name); }
