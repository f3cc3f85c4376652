import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as assert from 'uvu/assert';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { request } from 'undici';
import { nodeRedisClient } from './connect';
import { clientSuites, HOST, type Ctx } from './target';

/**
 * connect-redis 9 (node-redis, its defaults: RESP3) as express-session's store in an express 5
 * app on a random loopback port, driven over HTTP with undici. The store writes `sess:<id>` with
 * SET EX (the cookie's maxAge), reads it with GET, refreshes it with EXPIRE on an unchanged
 * session (touch), removes it with DEL, and walks all sessions with SCAN + MGET.
 */
declare module 'express-session' {
  interface SessionData {
    user: string;
    views: number;
  }
}

const MAX_AGE_S = 60;

async function app(ctx: Ctx, prefix = 'sess:', RESP?: 2) {
  const client = await nodeRedisClient(ctx, RESP);
  const store = new RedisStore({ client, prefix });
  const web = express();
  web.use(session({ store, secret: 'test secret', resave: false, saveUninitialized: false, cookie: { maxAge: MAX_AGE_S * 1000 } }));
  web.get('/login', (req, res) => {
    req.session.user = String(req.query.user);
    req.session.views = 0;
    res.json({ ok: true });
  });
  web.get('/view', (req, res) => {
    if (req.session.views !== undefined) req.session.views++;
    res.json({ user: req.session.user ?? null, views: req.session.views ?? null });
  });
  web.get('/peek', (req, res) => void res.json({ user: req.session.user ?? null }));
  web.get('/logout', (req, res, next) => req.session.destroy((err) => (err ? next(err) : res.json({ ok: true }))));
  const server = http.createServer(web);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  ctx.defer(() => new Promise((resolve) => server.close(resolve)));
  ctx.defer(() => server.closeAllConnections());
  const base = `http://${HOST}:${(server.address() as AddressInfo).port}`;

  /** GET path with the cookie, if any; returns the JSON body and the cookie the app set. */
  const get = async (path: string, cookie?: string) => {
    const res = await request(base + path, { headers: cookie ? { cookie } : {}, headersTimeout: 5_000, bodyTimeout: 5_000 });
    const body = (await res.body.json()) as Record<string, unknown>;
    assert.is(res.statusCode, 200, JSON.stringify(body));
    const setCookie = res.headers['set-cookie'];
    const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    return { body, cookie: first?.split(';')[0] };
  };
  return { client, store, get };
}

/** The session id inside express-session's signed cookie `connect.sid=s:<id>.<signature>`. */
function sessionId(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  assert.match(value, /^s:/);
  return value.slice(2, value.lastIndexOf('.'));
}

clientSuites('connect-redis', (test) => {
  for (const RESP of [undefined, 2] as const) {
    const how = RESP === undefined ? 'node-redis defaults (RESP3)' : 'a RESP: 2 client';
    test(`a session is stored at login, read back with its cookie, and destroyed at logout (${how})`, async (ctx) => {
      const { client, get } = await app(ctx, `sess${RESP ?? 3}:`, RESP);
      assert.equal((await get('/view')).body, { user: null, views: null });
      const login = await get('/login?user=ada');
      assert.ok(login.cookie?.startsWith('connect.sid='), `cookie ${login.cookie}`);
      const key = `sess${RESP ?? 3}:${sessionId(login.cookie!)}`;
      const stored = JSON.parse((await client.get(key))!);
      assert.is(stored.user, 'ada');
      const ttl = await client.ttl(key);
      assert.ok(ttl > MAX_AGE_S - 5 && ttl <= MAX_AGE_S, `ttl ${ttl}`);

      assert.equal((await get('/view', login.cookie)).body, { user: 'ada', views: 1 });
      assert.equal((await get('/view', login.cookie)).body, { user: 'ada', views: 2 });
      assert.is(JSON.parse((await client.get(key))!).views, 2);
      assert.equal((await get('/view')).body, { user: null, views: null }, 'no cookie, no session');

      assert.equal((await get('/logout', login.cookie)).body, { ok: true });
      assert.is(await client.exists(key), 0);
      assert.equal((await get('/view', login.cookie)).body, { user: null, views: null });
    });
  }

  test('an unchanged session is touched: EXPIRE puts its TTL back', async (ctx) => {
    const { client, get } = await app(ctx);
    const { cookie } = await get('/login?user=bob');
    const key = `sess:${sessionId(cookie!)}`;
    assert.is(await client.expire(key, 5), 1);
    assert.equal((await get('/peek', cookie)).body, { user: 'bob' });
    const ttl = await client.ttl(key);
    assert.ok(ttl > MAX_AGE_S - 5, `ttl ${ttl} after the touch`);
  });

  test('the store lists, counts and clears every session (SCAN + MGET, DEL) over all workers', async (ctx) => {
    const { client, store, get } = await app(ctx, 'listed:');
    await client.set('not-a-session', 'stays');
    const cookies: string[] = [];
    for (let i = 0; i < 24; i++) cookies.push((await get(`/login?user=u${i}`)).cookie!);
    const ids = cookies.map(sessionId).sort();
    assert.is(await store.length(), 24);
    assert.equal(((await store.ids()) as string[]).sort(), ids);
    const all = (await store.all()) as { id: string; user: string }[];
    assert.equal(all.map((s) => s.user).sort(), cookies.map((_, i) => `u${i}`).sort());
    await store.clear();
    assert.is(await store.length(), 0);
    assert.is(await client.get('not-a-session'), 'stays');
    assert.equal((await get('/view', cookies[3])).body, { user: null, views: null });
  });
});
