// Catalogue: managers, the hubs that serve shared objects, and the objects' own operations.
import { builtin, processError, remote } from './define.js';

export const sharedObjectErrors = {
  managerState: builtin('ERR_MANAGER_STATE', 'Error', {
    meaning: '`start()`, `connect()` or `serveForever()` on a manager (or a SharedMemoryManager) that was already started, connected or shut down.',
    fix: 'A manager is used once: create a new one.',
  }),
  managerNotRunning: builtin('ERR_MANAGER_NOT_RUNNING', 'Error', {
    meaning: 'A manager (or SharedMemoryManager) was asked for an object before `start()`/`connect()`, or after `shutdown()`.',
    fix: 'Start or connect it first (`await Manager()` does both); make objects only while it runs.',
  }),
  managerStart: processError('ERR_MANAGER_START', {
    meaning: "The manager's server process did not start in time, or exited during start.",
    fix: "Read the server process's stderr; check that the modules registered types come from import cleanly in a fresh process.",
  }),
  hubClosed: processError('ERR_HUB_CLOSED', {
    meaning:
      "The connection to the hub serving shared objects (a manager's server, or the program's own hub) closed; the objects it served are gone, and pending and later calls reject with this error. `cause` says why.",
    fix: 'Keep the manager (or the program that made the objects) running while others use them.',
  }),
  hubUnreachable: processError('ERR_HUB_UNREACHABLE', {
    meaning: "The hub could not be reached because this process or the hub's had no free file descriptors, even after retrying for a while.",
    fix: 'Raise the descriptor limit (`ulimit -n`) or hold fewer connections and files open at once.',
  }),
  noSuchObject: builtin('ERR_NO_SUCH_OBJECT', 'Error', {
    meaning: 'A proxy names an object its hub does not hold: never created there, released, or the server restarted since.',
    fix: 'Make the object again from the running manager and send the new proxy.',
  }),
  unknownTypeid: builtin('ERR_UNKNOWN_TYPEID', 'TypeError', {
    meaning: 'A manager was asked for a type it does not know: not registered with it, or registered without a callable on the server side.',
    fix: '`register()` the typeid (with its callable) on the manager class before starting the server.',
  }),
  methodNotExposed: remote('ERR_METHOD_NOT_EXPOSED', {
    meaning: 'A proxy called a method its registered type does not expose, or does not have. Its class is `RemoteError`.',
    fix: 'List the method in `register(typeid, callable, { exposed: [...] })`, or check its name.',
  }),
  unknownOperation: builtin(
    'ERR_UNKNOWN_OPERATION',
    'Error',
    {
      meaning:
        'A shared object was asked for an operation it does not have (`taskDone()` of a plain Queue, a method another type has). Proxies only send operations their type has, so this comes from a peer speaking another version.',
      fix: "Use the operations of the object's type (a JoinableQueue for `taskDone()`/`join()`); run one multiproc version on both sides.",
    },
    ['TypeError'],
  ),
  noAttribute: builtin('ERR_NO_ATTRIBUTE', 'Error', {
    meaning: "A Namespace was asked for an attribute never set (Python's `AttributeError`).",
    fix: 'Set the attribute first, or check with `has()`.',
  }),
  invalidState: builtin(
    'ERR_INVALID_STATE',
    'Error',
    {
      meaning:
        'An object is not in the state the operation needs: a barrier action completed by a process not running it, a hub asked to shut down that cannot be, a ShareableList slot that is corrupt.',
      fix: 'Follow the message; a corrupt ShareableList means something else wrote into its shared memory.',
    },
    ['TypeError'],
  ),
  queueClosed: builtin('ERR_QUEUE_CLOSED', 'Error', {
    meaning: 'A queue handle was used after its `close()`. `close()` affects only that handle, as in Python.',
    fix: 'Use another handle of the same queue, or do not close it while in use.',
  }),
  taskDoneTooMany: builtin('ERR_TASK_DONE_TOO_MANY', 'Error', {
    meaning: "`taskDone()` was called more times than items were put in the JoinableQueue (Python's `ValueError`).",
    fix: 'Call `taskDone()` once per item taken with `get()`.',
  }),
};
