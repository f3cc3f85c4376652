export { Router } from './router';
export { Peers, Slot } from './peers';
export { runPrimary } from './primary/primary';
export { runWorker } from './worker-process';
