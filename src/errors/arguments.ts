// Catalogue: arguments and options a call refuses at once, before anything starts.
import { builtin } from './define.js';

export const argumentErrors = {
  invalidArgType: builtin('ERR_INVALID_ARG_TYPE', 'TypeError', {
    meaning: 'An argument or option has the wrong type: a function where a value is expected, an object where a string is, and so on.',
    fix: 'Pass the type the message names; the message shows the shape the call takes (e.g. `new Process({ target, args })`).',
  }),
  invalidArgValue: builtin(
    'ERR_INVALID_ARG_VALUE',
    'TypeError',
    {
      meaning:
        'An argument has the right type but a value the call cannot use: a typeid that is not an identifier, an address without host or path, an unknown log level, a shared object of another cluster.',
      fix: 'Pass a value the message describes (it says what the call accepts).',
    },
    ['RangeError', 'Error'],
  ),
  outOfRange: builtin('ERR_OUT_OF_RANGE', 'RangeError', {
    meaning:
      'A number is outside what the call accepts (a worker count below 1, a negative timeout, an index past the end, a number a typecode cannot hold), or an item was asked of an empty container (`pop()` of an empty list).',
    fix: 'Pass a number in the range the message gives; for indexes, check the length first.',
  }),
  valueNotFound: builtin('ERR_VALUE_NOT_FOUND', 'RangeError', {
    meaning: 'The value asked for is not in the list, set or ShareableList (Python raises `ValueError` here).',
    fix: "Check first (`count()` on a list, `has()` on a set), or catch the error; a set's `discard()` ignores a missing element.",
  }),
  invalidTypecode: builtin('ERR_INVALID_TYPECODE', 'TypeError', {
    meaning: 'A `Value`, `SharedArray` or `RawValue` was given a typecode the library does not know.',
    fix: "Use one of the typecodes the message lists (those of Python's `array` module, e.g. `'i'`, `'d'`, `'c'`).",
  }),
  invalidStartMethod: builtin('ERR_INVALID_START_METHOD', 'Error', {
    meaning: '`getContext()` or `setStartMethod()` was given a start method this platform does not have.',
    fix: 'Use one of the methods the message lists (`getAllStartMethods()`).',
  }),
  contextAlreadySet: builtin('ERR_CONTEXT_ALREADY_SET', 'Error', {
    meaning: '`setStartMethod()` was called after the start method had been chosen (set before, or used by a start).',
    fix: 'Call it once, early in the main program, or pass `{ force: true }`; `getContext(method)` gives a context without changing the default.',
  }),
  classNameTaken: builtin('ERR_CLASS_NAME_TAKEN', 'TypeError', {
    meaning: '`registerClass()` was given a class whose name is already registered for another class; names identify classes between processes.',
    fix: 'Pass a distinct `options.name` for one of the two classes.',
  }),
};
