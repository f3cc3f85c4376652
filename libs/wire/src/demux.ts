import { borrowArgs, returnArgs, type Args } from './args';
import { InlineParser } from './inline';
import { RespParser, type RespSink } from './resp';
import { TextParser, type TextSink } from './text';

const STAR = 0x2a;

export interface DemuxLimits {
  textMaxLine: number;
  protoMaxBulkLen: number;
  clientQueryBufferLimit: number;
}

/**
 * Which protocol a client speaks, command by command, on the one port: a command starting with
 * `*` is RESP; anything else is the seed's text protocol until the first RESP command, and a
 * Redis inline command after it. A first line naming a Redis command the seed lacks (SET, PING
 * ...: `redisOnly`, which the router answers from its command table) is inline too, as
 * `redis-cli --pipe` sends it.
 */
export class Demux {
  /** Each parser is made when a command first needs it: a client speaks one protocol, and a burst of clients pays for none it does not use. */
  private text: TextParser | null = null;
  private resp: RespParser | null = null;
  /** Made when needed once a RESP command was seen: from then on a line not starting with `*` is a Redis inline command. */
  private inline: InlineParser | null = null;
  private respSeen = false;
  /** Nothing read yet: the first line decides whether an inline command can open the connection. */
  private fresh = true;

  constructor(
    private readonly limits: DemuxLimits,
    /** True for argv[0] naming a Redis command the seed's text protocol has not. */
    private readonly redisOnly: (name: Args) => boolean,
  ) {}

  /** Parses from chunk[pos] up to the end of one command (or of the chunk); returns where it stopped. */
  feed(chunk: Buffer, pos: number, sink: TextSink & RespSink): number {
    if (this.fresh) {
      this.fresh = false;
      if (chunk[pos] !== STAR && this.startsWithRedisOnlyCommand(chunk, pos)) this.respSeen = true;
    }
    const resp = this.resp;
    const inline = this.inline;
    if ((resp !== null && resp.midCommand) || (!(this.text?.midLine ?? false) && !(inline?.midLine ?? false) && chunk[pos] === STAR)) {
      this.respSeen = true;
      return (resp ?? this.respParser()).feed(chunk, pos, sink);
    }
    if (this.respSeen) return (inline ?? (this.inline = new InlineParser())).feedLine(chunk, pos, sink);
    return (this.text ?? (this.text = new TextParser(this.limits.textMaxLine))).feedLine(chunk, pos, sink);
  }

  private respParser(): RespParser {
    return (this.resp = new RespParser({ maxBulkLen: this.limits.protoMaxBulkLen, maxQueryBuffer: this.limits.clientQueryBufferLimit }));
  }

  /**
   * True when the line at chunk[pos] starts with the name of a Redis command the seed's protocol
   * does not have, followed by a blank: a Redis client sending inline commands, which the seed
   * would answer ERROR. Only the first line of a connection is checked; a name split across reads
   * is not recognised (the line is text).
   */
  private startsWithRedisOnlyCommand(chunk: Buffer, pos: number): boolean {
    const limit = Math.min(chunk.length, pos + 17);
    let end = pos;
    while (end < limit && chunk[end] !== 0x20 && chunk[end] !== 0x09 && chunk[end] !== 0x0d && chunk[end] !== 0x0a) end++;
    if (end === pos || end === limit) return false;
    const nameArgs = borrowArgs();
    nameArgs.reset(chunk);
    nameArgs.push(pos, end);
    const redisOnly = this.redisOnly(nameArgs);
    returnArgs(nameArgs);
    return redisOnly;
  }
}
