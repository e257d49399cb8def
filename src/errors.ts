// Every error the library throws or rejects with: the classes (./errors/classes.ts) and the
// catalogue of codes and their factories (./errors/catalogue.ts). Importers keep one path.
export * from './errors/classes.js';
export { errors, errorGroups, allCodes, type ErrorGroup } from './errors/catalogue.js';
export type { ErrorEntry, ErrorDoc, Factory, WorkerExit } from './errors/define.js';
export { lockMisuse } from './errors/lock-misuse.js';
