import { createHash, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import Ajv from 'ajv';
import { send } from './http';
import { ResizeError, type ResizeReport } from '../primary/scaling';
import { MAX_WORKERS, type ShardMap } from '../primary/shard-map';

/**
 * The admin endpoint's /workers:
 *   GET  /workers                 the shard map now: {version, workers, owners, resizing}
 *   POST /workers {"count": N}    change the worker count to N while serving (scaling.ts);
 *                                 answers when done, with how long it took and what moved
 * With a password configured (--requirepass), POST needs it as `Authorization: Bearer <password>`.
 */
export interface WorkersEndpoint {
  resize(count: number): Promise<ResizeReport>;
  map(): ShardMap & { resizing: boolean };
  /** The password mutations need; empty: none. */
  token: string;
}

/** POST /workers body; ajv checks it and its errors are the 400 answer. */
export const RESIZE_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['count'],
  properties: { count: { type: 'integer', minimum: 1, maximum: MAX_WORKERS } },
} as const;

const validateBody = new Ajv({ allErrors: true }).compile<{ count: number }>(RESIZE_BODY_SCHEMA);
/** Bodies past this are refused unread: the one field fits in a few bytes. */
const MAX_BODY_BYTES = 4096;
const JSON_TYPE = 'application/json';

export async function handleWorkers(req: http.IncomingMessage, res: http.ServerResponse, endpoint: WorkersEndpoint): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') return json(res, 200, endpoint.map());
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'GET, HEAD, POST');
    return json(res, 405, { error: `method ${req.method} not allowed on /workers (allowed: GET, HEAD, POST)` });
  }
  if (endpoint.token !== '' && !bearerMatches(req.headers.authorization, endpoint.token)) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="kv-cache admin"');
    return json(res, 401, { error: 'a password is configured: send it as Authorization: Bearer <password>' });
  }
  const text = await readBody(req);
  if (text === null) return json(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return json(res, 400, { error: `body is not JSON: ${(err as Error).message}` });
  }
  if (!validateBody(body)) {
    const errors = (validateBody.errors ?? []).map((e) => `${e.instancePath || 'body'} ${e.message}`);
    return json(res, 400, { error: `invalid body: ${errors.join('; ')}`, schema: RESIZE_BODY_SCHEMA });
  }
  try {
    return json(res, 200, await endpoint.resize(body.count));
  } catch (err) {
    if (!(err instanceof ResizeError)) throw err;
    const status = err.reason === 'busy' ? 409 : err.reason === 'invalid' ? 400 : 500;
    return json(res, status, { error: err.message, map: endpoint.map() });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON_TYPE, JSON.stringify(body) + '\n');
}

/** The body as text, or null past MAX_BODY_BYTES. */
function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Answer now; the rest is read and thrown away.
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Compares digests in constant time, so timing tells nothing of the password. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (match === null) return false;
  return timingSafeEqual(digest(match[1]), digest(token));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
