// Preloaded with `node -r` to run a program as if the optional cli-progress were not
// installed: resolving it fails the way a missing package does.
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'cli-progress' || request.startsWith('cli-progress/')) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
