import { RespClient, TextClient } from './harness';

/**
 * A RESP3 reply as the tests compare it: each RESP3 type kept apart (a map is not an array, a
 * verbatim string not a bulk one), so an assertion says which type the server chose.
 */
export type R3 =
  | string
  | number
  | boolean
  | null
  | { error: string }
  | { simple: string }
  | { map: [R3, R3][] }
  | { set: R3[] }
  | { verbatim: string; format: string }
  | { double: number }
  | { big: bigint }
  | { push: R3[] }
  | R3[];

/** One reply: its value and the exact bytes it came in. */
export interface Reply3 {
  value: R3;
  raw: string;
}

/**
 * A raw-socket client that reads RESP2 and RESP3 replies: `$` bulk as a string, `+` as
 * { simple }, `_` and `$-1` / `*-1` as null, `%` { map }, `~` { set }, `=` { verbatim }, `,`
 * { double }, `#` boolean, `(` { big }, `>` { push }. `raw` keeps the bytes, for byte-exact checks.
 */
export class Resp3Client {
  private constructor(readonly text: TextClient) {}

  static async connect(port: number): Promise<Resp3Client> {
    return new Resp3Client(await TextClient.connect(port));
  }

  /** Sends one command and reads its reply. */
  async call(...argv: string[]): Promise<Reply3> {
    this.text.send(RespClient.encode(...argv));
    return this.read();
  }

  /** Sends the commands in one write and reads one reply each. */
  async pipeline(commands: string[][]): Promise<Reply3[]> {
    this.text.send(Buffer.concat(commands.map((argv) => RespClient.encode(...argv))));
    const replies: Reply3[] = [];
    for (let i = 0; i < commands.length; i++) replies.push(await this.read());
    return replies;
  }

  async read(): Promise<Reply3> {
    const [line] = await this.text.readLines(1);
    let raw = line + '\n';
    const head = line[0];
    const rest = line.slice(1, line.endsWith('\r') ? -1 : undefined);
    const items = async (n: number): Promise<R3[]> => {
      const out: R3[] = [];
      for (let i = 0; i < n; i++) {
        const item = await this.read();
        raw += item.raw;
        out.push(item.value);
      }
      return out;
    };
    const bytes = async (n: number): Promise<string> => {
      const data = (await this.text.readBytes(n + 2)).toString('latin1');
      raw += data;
      return data.slice(0, n);
    };
    let value: R3;
    switch (head) {
      case '+':
        value = { simple: rest };
        break;
      case '-':
        value = { error: rest };
        break;
      case ':':
        value = Number(rest);
        break;
      case '_':
        value = null;
        break;
      case '#':
        value = rest === 't';
        break;
      case ',':
        value = { double: rest === 'inf' ? Infinity : rest === '-inf' ? -Infinity : Number(rest) };
        break;
      case '(':
        value = { big: BigInt(rest) };
        break;
      case '$':
        value = Number(rest) < 0 ? null : await bytes(Number(rest));
        break;
      case '=': {
        const text = await bytes(Number(rest));
        value = { format: text.slice(0, 3), verbatim: text.slice(4) };
        break;
      }
      case '*':
        value = Number(rest) < 0 ? null : await items(Number(rest));
        break;
      case '~':
        value = { set: await items(Number(rest)) };
        break;
      case '>':
        value = { push: await items(Number(rest)) };
        break;
      case '%': {
        const flat = await items(Number(rest) * 2);
        const map: [R3, R3][] = [];
        for (let i = 0; i < flat.length; i += 2) map.push([flat[i], flat[i + 1]]);
        value = { map };
        break;
      }
      default:
        throw new Error(`not a RESP reply: ${JSON.stringify(line)}`);
    }
    return { value, raw };
  }

  close(): void {
    this.text.close();
  }
}

/** A map reply's entries as an object keyed by its (string) keys. */
export function mapOf(value: R3): Record<string, R3> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('map' in value)) throw new Error(`not a map: ${JSON.stringify(value)}`);
  const out: Record<string, R3> = {};
  for (const [k, v] of (value as { map: [R3, R3][] }).map) out[String(k)] = v;
  return out;
}
