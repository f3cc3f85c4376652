export { Args, copyArgs, argsOf } from './args';
export { OutBuffer } from './out';
export { fnv1a } from './fnv';
export { SHARD_COUNT, SLOT_COUNT, SLOTS_PER_SHARD, crc16, keySlot, keySlotOfString, shardOf, shardOfString } from './keyslot';
export {
  TextParser,
  TextOp,
  type TextSink,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  MAX_LINE_BYTES,
  MAX_LINE_LIMIT,
  TEXT_OK,
  TEXT_NOTFOUND,
  TEXT_ERROR,
} from './text';
export { InlineParser, INLINE_MAX_BYTES, INLINE_TOO_BIG, INLINE_UNBALANCED } from './inline';
export { FrameEncoder, FrameKind, ReplyKind, ReplyMode, LAST_REPLY_KIND, LAST_FRAME_KIND, CLIENT_ID_FLAG, type Items, FrameError, helloFrame, FRAME_HEADER_BYTES, MAX_FRAME_BYTES, NO_REPLY } from './frame';
export { PushEncoder, PushReader } from './frame-push';
export { FrameDecoder, type FrameSink, RequestReader, ReplyReader, decodeItems, helloVersion } from './frame-read';
export {
  RespParser,
  type RespSink,
  type RespLimits,
  RESP_MAX_BULK_LEN,
  RESP_MAX_MULTIBULK_LEN,
  RESP_MAX_LINE_BYTES,
  QUERY_BUFFER_LIMIT_ERROR,
} from './resp';
export {
  respSimple,
  respError,
  respInteger,
  respBulkLatin1,
  respBulkBytes,
  respNull,
  respNullArray,
  respArrayHeader,
  resp3Null,
  resp3MapHeader,
  resp3SetHeader,
  resp3PushHeader,
  resp3Verbatim,
  resp3Double,
  resp3Boolean,
  resp3BigNumber,
  doubleText,
  RESP_OK,
  RESP_PONG,
  RESP_NULL,
  RESP_NULL_ARRAY,
  RESP_ZERO,
  RESP_ONE,
  RESP_EMPTY_ARRAY,
  RESP_EMPTY_BULK,
  RESP3_NULL,
} from './resp-encode';
export { type ReplyEncoder, TEXT_REPLIES, RESP_REPLIES, RESP3_REPLIES, repliesFor, repliesForMode } from './replies';
export { replyCounts, ERROR_CODES_LIMIT } from './error-counts';
export { silentReplies } from './silent';
export { replyErrors, errorTexts, type ReplyError, type ReplyErrorTable, type ErrorProbe, type ErrorText, type ErrorTexts } from './reply-errors';
export { WIRE_ERRORS, WIRE_ERR } from './errors';
export { Demux, type DemuxLimits } from './demux';
export { TreeWriter, TreeTag, TREE, transcodeTree, checkTree, type TreeTarget } from './tree';
