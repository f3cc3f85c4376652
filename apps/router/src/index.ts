export { Router } from './worker/router';
export { Peers, Slot } from './links/peers';
export { runPrimary } from './primary/primary';
export { runWorker } from './worker/worker-process';
