// Which process a shared object being encoded is headed for, when the sender knows it
// (Process.start does). A Connection in transit is tied to that process: if it dies before
// taking the end, the peer sees EOF instead of waiting forever.
let destination: string | null = null;

export function withDestination<T>(address: string, fn: () => T): T {
  const saved = destination;
  destination = address;
  try {
    return fn();
  } finally {
    destination = saved;
  }
}

export function currentDestination(): string | null {
  return destination;
}
