/**
 * Where a command's reply goes. The same handler answers a local client (encoded in that
 * client's protocol) and a peer worker (encoded into a reply frame).
 */
export interface ReplySink {
  ok(): void;
  /** No value: `NOTFOUND` in the text protocol. */
  nil(): void;
  bulk(value: string): void;
  integer(n: number): void;
  /** A Redis-style error line such as `ERR wrong number of arguments`; the text protocol says ERROR. */
  error(message: string): void;
}
