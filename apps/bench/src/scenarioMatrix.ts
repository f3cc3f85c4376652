import type { Locality } from './locality';
import type { Protocol } from './replyScanner';

export type ScenarioServer = 'seed' | 'kv1' | 'kv2' | 'redis';
export type LoadName = 'c50p1' | 'c50p16' | 'c1000p1';

export interface Scenario {
  id: string;
  server: ScenarioServer;
  proto: Protocol;
  load: LoadName;
  connections: number;
  pipeline: number;
  locality: Locality;
}

export const SERVERS: readonly ScenarioServer[] = ['seed', 'kv1', 'kv2', 'redis'];
export const LOADS: Readonly<Record<LoadName, { connections: number; pipeline: number }>> = {
  c50p1: { connections: 50, pipeline: 1 },
  c50p16: { connections: 50, pipeline: 16 },
  c1000p1: { connections: 1000, pipeline: 1 },
};

const SERVER_LABELS: Record<ScenarioServer, string> = { seed: 'seed (Go)', kv1: 'kv, 1 worker', kv2: 'kv, 2 workers', redis: 'redis-server' };

export function serverLabel(server: ScenarioServer): string {
  return SERVER_LABELS[server];
}

/** Each load's group runs its servers back to back, so the rows a ratio compares run close together in time. */
const GROUP_SERVERS: readonly [ScenarioServer, Protocol][] = [
  ['seed', 'text'],
  ['kv1', 'text'],
  ['kv2', 'text'],
  ['redis', 'resp'],
  ['kv1', 'resp'],
  ['kv2', 'resp'],
];

function buildMatrix(): Scenario[] {
  const out: Scenario[] = [];
  (['c50p1', 'c50p16', 'c1000p1'] as const).forEach((load, group) => {
    GROUP_SERVERS.forEach(([server, proto], i) => {
      out.push({ id: `${'abc'[group]}${i + 1}`, server, proto, load, ...LOADS[load], locality: 'any' });
    });
  });
  // (d) forwarding cost: kv 2 workers, each connection using only keys its own worker owns, or only the other's.
  let d = 1;
  for (const load of ['c50p1', 'c50p16'] as const) {
    for (const locality of ['local', 'forwarded'] as const) {
      out.push({ id: `d${d++}`, server: 'kv2', proto: 'text', load, ...LOADS[load], locality });
    }
  }
  return out;
}

/** The --scenarios matrix: (a) 50 connections, (b) 50 x pipeline 16, (c) 1000 connections, (d) locality on kv 2 workers. */
export const SCENARIOS: readonly Scenario[] = buildMatrix();

/** A parsed --only: each set, when non-empty, must contain the scenario's value (sets combine with AND). */
export interface ScenarioFilter {
  servers: Set<ScenarioServer>;
  protos: Set<Protocol>;
  loads: Set<LoadName>;
  localities: Set<Locality>;
  ids: Set<string>;
}

export const ONLY_HELP = 'comma list restricting --scenarios: servers seed,kv1,kv2,redis; protocols text,resp; loads c50p1,c50p16,c1000p1; locality any,local,forwarded; or row ids (a1..d4). Kinds combine with AND, names of one kind with OR';

/** Parses --only; throws Error with a message naming the bad token. */
export function parseOnly(text: string): ScenarioFilter {
  const filter: ScenarioFilter = { servers: new Set(), protos: new Set(), loads: new Set(), localities: new Set(), ids: new Set() };
  const ids = new Set(SCENARIOS.map((s) => s.id));
  const tokens = text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  if (tokens.length === 0) throw new Error('--only needs at least one name');
  for (const token of tokens) {
    if ((SERVERS as readonly string[]).includes(token)) filter.servers.add(token as ScenarioServer);
    else if (token === 'text' || token === 'resp') filter.protos.add(token);
    else if (token in LOADS) filter.loads.add(token as LoadName);
    else if (token === 'any' || token === 'local' || token === 'forwarded') filter.localities.add(token);
    else if (ids.has(token)) filter.ids.add(token);
    else throw new Error(`--only: unknown name '${token}' (${ONLY_HELP})`);
  }
  return filter;
}

function allows<T>(set: ReadonlySet<T>, value: T): boolean {
  return set.size === 0 || set.has(value);
}

export function selectScenarios(filter: ScenarioFilter | null, all: readonly Scenario[] = SCENARIOS): Scenario[] {
  if (filter === null) return [...all];
  return all.filter(
    (s) => allows(filter.servers, s.server) && allows(filter.protos, s.proto) && allows(filter.loads, s.load) && allows(filter.localities, s.locality) && allows(filter.ids, s.id),
  );
}
