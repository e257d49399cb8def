// Event: a flag processes wait on.
import { HubProxy, registerProxyType, timeoutArg } from '../hub/proxy.js';

export class Event extends HubProxy {
  constructor() { super('Event', {}); }
  set(): Promise<void> { return this.call('set').then(() => undefined); }
  clear(): Promise<void> { return this.call('clear').then(() => undefined); }
  isSet(): Promise<boolean> { return this.call('isSet') as Promise<boolean>; }
  /** Resolves true once set, false if `timeout` ms pass first. */
  wait(timeout?: number): Promise<boolean> { return this.call('wait', timeoutArg(timeout, 'Event.wait()')) as Promise<boolean>; }
}

registerProxyType('Event', Event);
