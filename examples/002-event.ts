// Seed 002, signaling between processes: 'block' waits on an Event with no timeout, 'nonblock' waits at most 2 s; the parent sleeps 3 s, then sets the event. 'nonblock' gives up first and sees it unset (false); 'block' wakes after the set and sees it set (true).
// (A child starts in about 50 ms in CPython, but a TypeScript child under tsx can take seconds on a busy machine, and the 2 s timeout starts only then; so the children and the parent first meet at a Barrier(3), and the parent's 3 s start when both children are running.)
import { setTimeout as sleep } from 'node:timers/promises';
import { Barrier, Event, Process, isMainEntry } from 'multiproc';

/** Waits for the event to be set before doing anything. */
export async function waitForEvent(e: Event, running: Barrier): Promise<void> {
  console.log('wait_for_event: starting');
  await running.wait();
  await e.wait();
  console.log('wait_for_event: e.isSet()->', await e.isSet());
}

/** Waits t ms, then goes on whether the event was set or not. */
export async function waitForEventTimeout(e: Event, t: number, running: Barrier): Promise<void> {
  console.log('wait_for_event_timeout: starting');
  await running.wait();
  await e.wait(t);
  console.log('wait_for_event_timeout: e.isSet()->', await e.isSet());
}

if (isMainEntry(import.meta.url)) {
  const e = new Event();
  const running = new Barrier(3);
  const w1 = new Process({ name: 'block', target: waitForEvent, args: [e, running] });
  w1.start();
  const w2 = new Process({ name: 'nonblock', target: waitForEventTimeout, args: [e, 2000, running] });
  w2.start();
  console.log('main: waiting before calling Event.set()');
  await running.wait();
  await sleep(3000);
  await e.set();
  console.log('main: event is set');
}
