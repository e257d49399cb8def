// Plain-JavaScript twin of bench/tasks.ts, for the start-up benchmark run without tsx
// (so worker start-up is compared with raw plain-JS anchors on equal terms).
export function double(x) {
  return x * 2;
}
