// Every proxy class, so any process can revive any shared object it is sent, whether or not
// the module that receives it imported the library.
import '../connection/connection.js';
import '../queue/queue.js';
import '../sync/lock.js';
import '../sync/semaphore.js';
import '../sync/condition.js';
import '../sync/event.js';
import '../sync/barrier.js';
import '../manager/proxies.js';
import '../values/value.js';
import '../values/shared-array.js';
import '../shm/shared-memory.js';
import '../shm/shareable-list.js';
