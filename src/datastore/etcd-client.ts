/**
 * A configured etcd3 client for every reef component that talks to etcd
 * (the resource backend here, the IPAM store). The etcd3 package's defaults
 * do not suit a daemon: no deadline on calls (a black-holed endpoint hangs
 * forever), a circuit breaker that refuses calls for 5 s after three failures
 * (so a restarted etcd looks down for longer than it was), and its own watch
 * reconnect logic that can skip events (see etcd-watch.ts). Here every unary
 * call has a deadline, connection failures are retried briefly within a
 * budget, and failures come out as DatastoreUnreachableError naming the
 * endpoints.
 */
import { readFileSync } from 'node:fs';
import { ClientClosedError, Etcd3, GRPCDeadlineExceededError, GRPCUnavailableError, type IOptions } from 'etcd3';
import { ReefError } from '../lib/errors.ts';
import { DatastoreConfigError, DatastoreUnreachableError } from './errors.ts';

export interface EtcdTlsFiles {
  caCertFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface EtcdClientConfig {
  /** `host:port`, `http://host:port` or `https://host:port`. */
  endpoints: string[];
  tls?: EtcdTlsFiles;
  /** Deadline of one unary call; default 4000 ms. */
  callTimeoutMs?: number;
  /** How long connection failures are retried before a call gives up; default 2000 ms. */
  retryBudgetMs?: number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 4_000;
export const DEFAULT_RETRY_BUDGET_MS = 2_000;

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
type PolicyContext = Parameters<Parameters<Policy['execute']>[0]>[0];

const neverAborted = new AbortController().signal;
const noEvent = (): { dispose(): void } => ({ dispose: () => undefined });

/**
 * A cockatiel-shaped policy without cockatiel: retries UNAVAILABLE (nothing
 * was served) with doubling delays while within budget, and never opens a
 * circuit. Deadline errors are not retried: the deadline was the budget.
 */
function retryUnavailable(budgetMs: number): Policy {
  const policy = {
    onSuccess: noEvent,
    onFailure: noEvent,
    async execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal: AbortSignal = neverAborted): Promise<T> {
      const started = Date.now();
      let delay = 50;
      for (;;) {
        try {
          return await fn({ signal } as PolicyContext);
        } catch (err) {
          if (!(err instanceof GRPCUnavailableError) || signal.aborted || Date.now() - started + delay > budgetMs) throw err;
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 500);
        }
      }
    },
  };
  return policy as unknown as Policy;
}

/** `http://a:1` -> `a:1`: the form messages use. */
export function normaliseEndpoint(endpoint: string): string {
  return endpoint.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

function readPem(what: string, file: string | undefined): Buffer | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new DatastoreConfigError(`cannot read etcd ${what} file ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
}

export function createEtcdClient(cfg: EtcdClientConfig): Etcd3 {
  if (cfg.endpoints.length === 0) throw new DatastoreConfigError('no etcd endpoints configured');
  const callTimeoutMs = cfg.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const ca = readPem('CA certificate', cfg.tls?.caCertFile);
  const cert = readPem('client certificate', cfg.tls?.certFile);
  const key = readPem('client key', cfg.tls?.keyFile);
  const secure = ca !== undefined || cert !== undefined || key !== undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new DatastoreConfigError('etcd client certificate and key must be given together', { tls: cfg.tls });
  }
  const opts: IOptions = {
    hosts: cfg.endpoints.map((e) => (secure ? `https://${normaliseEndpoint(e)}` : e.includes('://') ? e : `http://${e}`)),
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    faultHandling: {
      host: () => retryUnavailable(0),
      global: retryUnavailable(cfg.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS),
    },
    grpcOptions: {
      // Reconnect promptly after an etcd restart, and find a dead peer under an idle watch.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
    },
  };
  if (secure) {
    opts.credentials = {
      rootCertificate: ca as Buffer,
      ...(key !== undefined ? { privateKey: key } : {}),
      ...(cert !== undefined ? { certChain: cert } : {}),
    };
  }
  return new Etcd3(opts);
}

/** Why a gRPC failure happened, without gRPC's status prefix. */
function reasonOf(err: Error): string {
  const m = /Last error: (.*)$/.exec(err.message);
  if (m) return m[1]!.trim();
  return err.message.replace(/^\d+ [A-Z_]+: /, '');
}

/** Maps client failures to reef errors; anything else passes through unchanged. */
export function toDatastoreError(err: unknown, endpoints: readonly string[], callTimeoutMs = DEFAULT_CALL_TIMEOUT_MS): unknown {
  const eps = endpoints.map(normaliseEndpoint);
  if (err instanceof ReefError) return err;
  if (err instanceof GRPCUnavailableError) return new DatastoreUnreachableError(eps, reasonOf(err), { cause: err });
  if (err instanceof GRPCDeadlineExceededError) {
    return new DatastoreUnreachableError(eps, `no answer within ${callTimeoutMs} ms`, { cause: err });
  }
  if (err instanceof ClientClosedError) return new ReefError('DATASTORE_CLOSED', 'the datastore client has been closed', {}, { cause: err });
  return err;
}

/**
 * The client plus the error mapping and a last-resort timer: `run` never
 * takes much longer than deadline + retry budget, whatever the client does.
 */
export class EtcdConnection {
  readonly client: Etcd3;
  readonly endpoints: readonly string[];
  private readonly callTimeoutMs: number;
  private readonly guardMs: number;

  constructor(cfg: EtcdClientConfig) {
    this.client = createEtcdClient(cfg);
    this.endpoints = cfg.endpoints.map(normaliseEndpoint);
    this.callTimeoutMs = cfg.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.guardMs = this.callTimeoutMs + (cfg.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS) + 1_000;
  }

  async run<T>(fn: (client: Etcd3) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DatastoreUnreachableError(this.endpoints, `no answer within ${this.guardMs} ms`)),
        this.guardMs,
      );
    });
    try {
      return await Promise.race([fn(this.client), guard]);
    } catch (err) {
      throw toDatastoreError(err, this.endpoints, this.callTimeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.client.close();
  }
}
