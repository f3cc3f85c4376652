import type { EncodingLimits, EvictionPolicy } from '@kv/lru';
import type { RouterSettings } from '../client/host';
import { outputLimitsText } from '../pubsub/output-limit';
import { keyspaceEventsText } from '@kv/node';

/** What CONFIG GET reports: the parameters Redis tools such as redis-benchmark ask about. */
export function configParams(l: RouterSettings, policy: EvictionPolicy, encodings: Readonly<EncodingLimits>): [string, string][] {
  return [
    ['save', ''],
    ['appendonly', 'no'],
    ['databases', '1'],
    ['maxmemory', String(l.maxmemory)],
    ['maxmemory-policy', policy],
    ['proto-max-bulk-len', String(l.protoMaxBulkLen)],
    ['client-query-buffer-limit', String(l.clientQueryBufferLimit)],
    ['port', String(l.port)],
    ['bind', l.host],
    ['timeout', String(l.timeout)],
    ['protected-mode', l.protectedMode ? 'yes' : 'no'],
    ['maxclients', String(l.maxclientsTotal)],
    ['list-max-listpack-size', String(encodings.listMaxListpackSize)],
    ['set-max-intset-entries', String(encodings.setMaxIntsetEntries)],
    ['set-max-listpack-entries', String(encodings.setMaxListpackEntries)],
    ['set-max-listpack-value', String(encodings.setMaxListpackValue)],
    ['client-output-buffer-limit', outputLimitsText(l.outputLimits)],
    ['notify-keyspace-events', keyspaceEventsText(l.notifyKeyspaceEvents)],
  ];
}
