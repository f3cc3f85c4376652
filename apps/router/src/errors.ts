/** Every code this package throws, with a one-line meaning. Add new codes here. */
export const ERROR_CODES = {
  KV_ERR_CONFIG: 'an option has a value it does not allow',
  KV_ERR_CONFIG_FILE: 'the config file cannot be read or is not a JSON object',
  KV_ERR_UNKNOWN_OPTION: 'an unknown flag, argument or config file key was given',
  KV_ERR_MISSING_VALUE: 'a flag was given without a value',
  KV_ERR_TLS_FILE: 'a TLS certificate or key file cannot be read or is not usable',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class KvError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad flag, environment variable or config file; the caller prints the message and exits 2. */
export class ConfigError extends KvError {}
