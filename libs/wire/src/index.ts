export { Args } from './args';
export { OutBuffer } from './out';
export { SHARD_COUNT, fnv1a, shardOf, shardOfString } from './fnv';
export {
  TextParser,
  TextOp,
  type TextSink,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  MAX_LINE_BYTES,
  TEXT_OK,
  TEXT_NOTFOUND,
  TEXT_ERROR,
} from './text';
export {
  FrameEncoder,
  FrameDecoder,
  type FrameSink,
  FrameKind,
  ReplyKind,
  FrameError,
  RequestReader,
  ReplyReader,
  helloFrame,
  FRAME_HEADER_BYTES,
  MAX_FRAME_BYTES,
} from './frame';
