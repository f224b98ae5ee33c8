export interface FogbankOptions {
  /** A fogbank.toml declaring queues, topics and functions to create at start (`--config`). */
  config?: string;
  /** Keep state in this directory across restarts (`--data-dir`). */
  dataDir?: string;
  /** More command-line flags, e.g. `['--auth', 'strict']`. */
  args?: string[];
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
  /** The server's log filter (default `info`). */
  logLevel?: string;
  /** The executable to run (default: $FOGBANK_BIN, else the platform package's binary). */
  binary?: string;
  /** How long to wait for the server to listen (default 10,000 ms). */
  timeoutMs?: number;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Fogbank {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  region: string;
  credentials: Credentials;
  /** AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_DEFAULT_REGION. */
  env: Record<string, string>;
  /** `{ endpoint, region, credentials }` for any AWS SDK v3 client constructor. */
  clientConfig(): { endpoint: string; region: string; credentials: Credentials };
  /** Forget all state, or one service's (`sqs`, `sns`, `lambda`, `s3`, ...). */
  reset(service?: string): Promise<void>;
  /** The server's recent log lines. */
  logs(): string[];
  /** Stop the server and its functions. */
  stop(): Promise<void>;
}

export function startFogbank(options?: FogbankOptions): Promise<Fogbank>;
export function binaryPath(): string;
export const REGION: string;
export const CREDENTIALS: Credentials;
