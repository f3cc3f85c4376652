import type * as http from 'node:http';

/** Answers an admin request with a whole body (no caching: every figure is live). */
export function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}
