/**
 * Which keys a connection uses on kv with 2 or more workers: any key, only keys its own worker
 * owns (`local`), or only keys another worker owns (`forwarded`). A leaf, so the option parser
 * (cli.ts) and the scenario matrix (scenarioMatrix.ts) can both use it without importing each other.
 */
export type Locality = 'any' | 'local' | 'forwarded';
