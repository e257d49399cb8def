// Internals the test suites call directly (codec, function references, frames, handshakes),
// built as one more entry of the same ES module bundle (dist/esm/internal.js). Sharing the
// bundle's chunks, a test that imports this and 'multiproc' holds one copy of the library,
// so its registries (classes, shared types) are the ones the public API fills. Not part of
// the public API and not in the package's exports.
export { encode, decode, decodingUntrusted } from './codec/codec.js';
export { toFnRef } from './functions/reference.js';
export { resolveFnRef } from './functions/resolve.js';
export { FrameReader, joinFrames } from './channel/frames.js';
export { frameSimple } from './channel/envelope.js';
export { decodeFromPeer } from './connection/connection.js';
export { clientHandshake } from './connection/auth.js';
export { SharedMemory } from './shm/shared-memory.js';
// The library's own msgpackr (bundled): its extensions are registered on this copy, which is
// what the hub's envelope Packr uses.
export { Packr } from 'msgpackr';
// The cluster context's pieces its tests drive directly (links, references, the task wire).
export { createLink, currentLink, ENV_NAME, ENV_URL, type ClusterLinkImpl } from './cluster/objects/connect.js';
export { clusterObjects, referenceOn, type ClusterObject, type ClusterObjects, type ClusterDict, type ClusterNamespace } from './cluster/objects/index.js';
export { resolveClusterOptions } from './cluster/options.js';
export { encodeTask, sign } from './cluster/wire.js';
