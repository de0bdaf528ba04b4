/**
 * What reef's two CNI executables (reef-cni, reef-ipam) share: the CNI
 * command protocol around their own logic. VERSION is answered without a
 * datastore; every other command runs under one deadline, so a runtime never
 * waits on a stuck etcd (it gets code 11, "try again later"); every failure
 * becomes a CNI error object on stdout with a non-zero exit.
 */
import { parseCommand, parseJsonConfig } from './config.ts';
import { toCniError } from './ipam-plugin.ts';
import { CNI_CODES, CniError, encodeError, encodeVersion } from './spec.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface PluginOutcome {
  stdout: string;
  exitCode: number;
}

interface DatastoreRequest {
  readonly command: string;
  readonly datastore: { readonly etcd: { readonly endpoints: readonly string[] } };
}

export interface CniProgram<R extends DatastoreRequest> {
  parse(command: ReturnType<typeof parseCommand>, conf: Record<string, unknown>, env: Env): R;
  execute(req: R, signal: AbortSignal): Promise<Record<string, unknown> | undefined>;
  defaultTimeoutMs: number;
  /** The environment variable that overrides the deadline (tests, slow clusters). */
  timeoutEnv: string;
}

export async function runCniProgram<R extends DatastoreRequest>(program: CniProgram<R>, env: Env, stdin: string): Promise<PluginOutcome> {
  let version = '';
  try {
    const command = parseCommand(env);
    if (command === 'VERSION') {
      const v = stdin.trim() === '' ? undefined : parseJsonConfig(stdin).cniVersion;
      return { stdout: JSON.stringify(encodeVersion(typeof v === 'string' ? v : undefined)), exitCode: 0 };
    }
    const conf = parseJsonConfig(stdin);
    if (typeof conf.cniVersion === 'string') version = conf.cniVersion;
    const req = program.parse(command, conf, env);
    const override = Number(env[program.timeoutEnv]);
    const timeoutMs = override > 0 ? override : program.defaultTimeoutMs;
    const out = await withDeadline(timeoutMs, req, (signal) => program.execute(req, signal));
    return { stdout: out === undefined ? '' : JSON.stringify(out), exitCode: 0 };
  } catch (err) {
    return { stdout: JSON.stringify(encodeError(version, toCniError(err))), exitCode: 1 };
  }
}

/** Runs `fn` with a signal that aborts at the deadline, and answers code 11 then even if `fn` is stuck in a call. */
async function withDeadline<T>(ms: number, req: DatastoreRequest, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const late = new CniError(CNI_CODES.tryAgainLater, 'datastore unreachable or too slow, try again later', `${req.command} did not finish within ${ms} ms (etcd at ${req.datastore.etcd.endpoints.join(',')})`);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort(late);
      reject(late);
    }, ms);
  });
  const work = fn(ac.signal);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } catch (err) {
    // An abort surfaces from deep inside as the signal's reason or a wrapper of it.
    throw ac.signal.aborted ? late : err;
  } finally {
    clearTimeout(timer);
  }
}

/** The executable's main: stdin in, one answer out, then exit even if a gRPC channel lingers. */
export async function mainOf(run: (env: Env, stdin: string) => Promise<PluginOutcome>): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const outcome = await run(process.env, Buffer.concat(chunks).toString('utf8'));
  process.exitCode = outcome.exitCode;
  process.stdout.write(outcome.stdout === '' ? '' : `${outcome.stdout}\n`, () => process.exit(outcome.exitCode));
}
