// Seed 002, signaling between processes: 'block' waits on an Event with no timeout, 'nonblock' waits at most 2 s; the parent sleeps (the seed: 3 s), then sets the event. 'nonblock' gives up first and sees it unset (false); 'block' wakes after the set and sees it set (true).
// (A child starts in about 50 ms in CPython but can take over a second here, two TypeScript children under tsx on a busy 2-CPU machine, and the 2 s timeout starts only then: the parent sleeps 5 s instead of 3 s so that 'nonblock' still times out before the set.)
import { setTimeout as sleep } from 'node:timers/promises';
import { Event, Process, isMainEntry } from 'multiproc';

export const PARENT_SLEEP_MS = 5000;

/** Waits for the event to be set before doing anything. */
export async function waitForEvent(e: Event): Promise<void> {
  console.log('wait_for_event: starting');
  await e.wait();
  console.log('wait_for_event: e.isSet()->', await e.isSet());
}

/** Waits t ms, then goes on whether the event was set or not. */
export async function waitForEventTimeout(e: Event, t: number): Promise<void> {
  console.log('wait_for_event_timeout: starting');
  await e.wait(t);
  console.log('wait_for_event_timeout: e.isSet()->', await e.isSet());
}

if (isMainEntry(import.meta.url)) {
  const e = new Event();
  const w1 = new Process({ name: 'block', target: waitForEvent, args: [e] });
  w1.start();
  const w2 = new Process({ name: 'nonblock', target: waitForEventTimeout, args: [e, 2000] });
  w2.start();
  console.log('main: waiting before calling Event.set()');
  await sleep(PARENT_SLEEP_MS);
  await e.set();
  console.log('main: event is set');
}
