import type * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandStats, COMMANDS, RESP_COMMANDS, statIndex, type CommandSpec } from '@kv/node';
import { OutBuffer } from '@kv/wire';
import { CommandTiming } from '../src/operator/timing';
import { Conn } from '../src/client/conn';
import type { ClientHost, ClientLike, RouterSettings } from '../src/client/host';
import { Coordinator } from '../src/coord/coordinator';
import type { Scripts } from '../src/coord/scripts';
import type { Flushable } from '../src/links/types';
import { REPLY_ERRORS } from '../src/reply-errors';
import { FakeOwners, ok } from './coord-fakes';
import { PubSubHub } from '../src/pubsub/hub';
import { parseOutputLimits } from '../src/pubsub/output-limit';
import { MonitorFeed } from '../src/monitor/feed';
import { Invalidator } from '../src/tracking/invalidator';

/**
 * The dispatcher, driven from the command table: for every entry, what its fields say (no_auth,
 * unqueued, runsQueue, text, script) is what a client connection does with it. A real Conn on a
 * fake socket and worker; its commands run on fake owners (answered OK at once).
 */
class FakeSocket {
  written = '';
  writableLength = 0;
  destroyed = false;
  ended = false;
  write(bytes: Buffer): boolean {
    this.written += bytes.toString('latin1');
    return true;
  }
  pause(): void {}
  resume(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  end(): void {
    this.ended = true;
  }
  once(): this {
    return this;
  }
  on(): this {
    return this;
  }
}

const LIMITS = { clientOutputLimit: 1 << 30, clientQueryBufferLimit: 1 << 30, textMaxLine: 1 << 16, protoMaxBulkLen: 1 << 29, outputLimits: parseOutputLimits('pubsub 32mb 8mb 60') } as RouterSettings;

function connect(password: string | null): { conn: Conn; socket: FakeSocket; host: ClientHost } {
  const socket = new FakeSocket();
  const owners = new FakeOwners(0, 1, () => ok());
  // Scripts whose engine never comes: an EVAL queued in MULTI waits for it (its reply owed).
  const scripts = { engine: null, ready: new Promise(() => {}) } as unknown as Scripts;
  const dirty: Flushable[] = [];
  const host: ClientHost = {
    self: 0,
    out: new OutBuffer(1024),
    limits: LIMITS,
    plans: new Coordinator(owners, scripts, () => 1, true),
    pubsub: new PubSubHub(),
    peers: { markDirty: (c: Flushable) => void dirty.push(c), blocked: 0 },
    commandStats: new CommandStats(),
    paused: false,
    draining: false,
    passwordRequired: password !== null,
    commands: 0,
    queryLimitClosed: 0,
    outputLimitClosed: 0,
    net: { input: 0, output: 0 },
    passwordMatches: (given) => given === password,
    operator: { settings: {} as never, apply: () => {}, ask: async () => undefined },
    timing: new CommandTiming(0),
    monitor: new MonitorFeed({ self: 0, pushTo: () => null, flushClients: () => {}, outputLimit: () => 0, ask: async () => undefined }),
    tracking: new Invalidator({ self: 0, counted: { clients: 0 }, client: () => undefined, pushTo: () => null, flushClients: () => {}, outputLimit: () => 0 }),
    statsText: () => 'STAT x 1\r\nEND\r\n',
    receive: (client: ClientLike, chunk: Buffer) => client.onData(chunk),
    settled: () => {},
    clientGone: () => {},
  };
  const conn = new Conn(socket as unknown as net.Socket, host, 1);
  return { conn, socket, host };
}

function resp(...argv: string[]): Buffer {
  return Buffer.from(`*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`, 'latin1');
}

/** The command with as few arguments as its arity allows (each `k`). */
function minimal(spec: CommandSpec): string[] {
  return [spec.name, ...Array.from({ length: Math.abs(spec.arity) - 1 }, () => 'k')];
}

/** Sends one command and returns what was written for it. */
function send(c: { conn: Conn; socket: FakeSocket }, argv: string[]): string {
  const before = c.socket.written.length;
  c.conn.onData(resp(...argv));
  return c.socket.written.slice(before);
}

const t = suite('client: the dispatcher, entry by entry of the command table');

t('before AUTH, every command is refused NOAUTH but those the table marks no_auth', () => {
  for (const spec of RESP_COMMANDS) {
    const reply = send(connect('secret'), minimal(spec));
    if (spec.noAuth) assert.is.not(reply, `-${REPLY_ERRORS.noauth}\r\n`, `${spec.name} may run before AUTH`);
    else assert.is(reply, `-${REPLY_ERRORS.noauth}\r\n`, `${spec.name} is refused`);
  }
});

t('inside MULTI, every command is queued but those the table marks unqueued; a script by its body is answered once its body is everywhere', () => {
  for (const spec of RESP_COMMANDS) {
    const c = connect(null);
    assert.is(send(c, ['MULTI']), '+OK\r\n');
    const reply = send(c, minimal(spec));
    if (spec.unqueued) assert.is.not(reply, '+QUEUED\r\n', `${spec.name} runs at once`);
    else if (spec.noMulti) assert.is(reply, `-${REPLY_ERRORS.notInMulti}\r\n`, `${spec.name} is refused inside MULTI`);
    else if (spec.script === 'body') assert.equal([reply, c.conn.waiting], ['', true], `${spec.name}: its QUEUED waits for the script's copies`);
    else assert.is(reply, '+QUEUED\r\n', `${spec.name} is queued`);
  }
});

t('a command refused for its arity inside MULTI makes EXEC answer EXECABORT; the one that runs the queue (runsQueue) answers it itself', () => {
  for (const spec of RESP_COMMANDS) {
    if (spec.arity === -1) continue;
    const c = connect(null);
    send(c, ['MULTI']);
    const wrong = spec.arity > 0 ? [...minimal(spec), 'extra'] : [spec.name];
    const reply = send(c, wrong);
    if (spec.runsQueue) {
      assert.is(reply, `-${REPLY_ERRORS.execAbortBecause(REPLY_ERRORS.arity(spec.name))}\r\n`, spec.name);
      continue;
    }
    assert.is(reply, `-${REPLY_ERRORS.arity(spec.name)}\r\n`, spec.name);
    assert.is(send(c, ['EXEC']), `-${REPLY_ERRORS.execAbort}\r\n`, `${spec.name}: then EXEC`);
  }
});

t('each text op runs the entry the table names for it, counted under it', () => {
  for (const spec of COMMANDS) {
    if (spec.text === undefined) continue;
    const c = connect(null);
    c.conn.onData(Buffer.from(`${minimal(spec).join(' ')}\n`));
    assert.is(c.host.commandStats.calls[statIndex(spec.opcode, false)], 1, `${spec.name} counted as itself`);
  }
});

t('a first line naming a command of the table the seed has not opens Redis inline mode; the seed\'s own commands stay text', () => {
  for (const spec of RESP_COMMANDS) {
    const c = connect(null);
    c.conn.onData(Buffer.from(`${minimal(spec).join(' ')}\r\n`));
    // Answered later (an ask of the primary: SHUTDOWN): nothing to read the protocol from yet.
    if (c.socket.written === '' && c.conn.waiting) continue;
    const resp = /^[-+:$*_%>]/.test(c.socket.written);
    assert.is(resp, spec.text === undefined, `${spec.name}: ${JSON.stringify(c.socket.written.slice(0, 40))}`);
  }
});

t.run();
