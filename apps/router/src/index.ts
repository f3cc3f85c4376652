export { Router } from './worker/router';
export { Peers } from './links/peers';
export { Owners } from './coord/owners';
export { runPrimary } from './primary/primary';
export { runWorker } from './worker/worker-process';
