import { Histogram } from './histogram';

const MAX_ERROR_SAMPLES = 5;

export type ErrorKind = 'errorReplies' | 'mismatches' | 'unexpectedReplies' | 'connectionErrors' | 'stalled';

export interface ErrorTally {
  /** The server answered ERROR / -ERR. */
  errorReplies: number;
  /** A GET returned a value other than the one last written (or a reply meant for another key). */
  mismatches: number;
  /** Wrong reply type (e.g. PUT not answered OK), extra replies, or unparsable bytes. */
  unexpectedReplies: number;
  connectionErrors: number;
  /** Connections whose last batch was still unanswered when the drain timed out. */
  stalled: number;
  total: number;
  /** The first few problems, described. */
  samples: string[];
}

/** What all connections of one run share: phase flags, the measured counters and the error tally. */
export class LoadState {
  /** Replies count toward ops and latency only while this is set. */
  measuring = false;
  /** Connections send no new batch once this is set. */
  stopping = false;
  ops = 0;
  readonly latency = new Histogram();
  readonly errors: ErrorTally = {
    errorReplies: 0,
    mismatches: 0,
    unexpectedReplies: 0,
    connectionErrors: 0,
    stalled: 0,
    total: 0,
    samples: [],
  };

  /** describe is only called while samples are still wanted, so the common path builds no strings. */
  noteError(kind: ErrorKind, describe: () => string): void {
    this.errors[kind]++;
    this.errors.total++;
    if (this.errors.samples.length < MAX_ERROR_SAMPLES) this.errors.samples.push(`${kind}: ${describe()}`);
  }
}
