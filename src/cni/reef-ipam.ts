/**
 * reef-ipam: the CNI IPAM plugin executable. The runtime (or a main plugin
 * such as bridge, delegating) runs it with CNI_* in the environment and the
 * network configuration on stdin; it prints a result or an error object on
 * stdout and exits 0 or 1. Logs go to stderr.
 *
 * The whole command runs under one deadline (REEF_IPAM_TIMEOUT_MS, default
 * 5000 ms): a runtime kills a slow plugin and retries, and a clear "try
 * again later" (code 11) is better than being killed mid-way. Each etcd call
 * has a 2 s deadline within that.
 */
import { childLogger } from '../lib/log.ts';
import { openDatastore } from '../datastore/index.ts';
import { IpamAllocator } from '../../ipam/allocator.ts';
import type { IpamPool } from '../../ipam/pools.ts';
import { parseCommand, parseJsonConfig, parseRequest, type PluginRequest } from './config.ts';
import { cmdAdd, cmdCheck, cmdDel, toCniError } from './ipam-plugin.ts';
import { nodeMatcher, openIpamStore, workloadPools } from './ipam-wiring.ts';
import { CNI_CODES, CniError, encodeError, encodeResult, encodeVersion } from './spec.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface PluginOutcome {
  stdout: string;
  exitCode: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const CALL_TIMEOUT_MS = 2_000;

export async function runPlugin(env: Env, stdin: string): Promise<PluginOutcome> {
  let version = '';
  try {
    const command = parseCommand(env);
    if (command === 'VERSION') {
      const v = stdin.trim() === '' ? undefined : parseJsonConfig(stdin).cniVersion;
      return { stdout: JSON.stringify(encodeVersion(typeof v === 'string' ? v : undefined)), exitCode: 0 };
    }
    const conf = parseJsonConfig(stdin);
    if (typeof conf.cniVersion === 'string') version = conf.cniVersion;
    const req = parseRequest(command, conf, env);
    const timeoutMs = Number(env.REEF_IPAM_TIMEOUT_MS) > 0 ? Number(env.REEF_IPAM_TIMEOUT_MS) : DEFAULT_TIMEOUT_MS;
    const out = await withDeadline(timeoutMs, req, (signal) => execute(req, signal));
    return { stdout: out === undefined ? '' : JSON.stringify(out), exitCode: 0 };
  } catch (err) {
    return { stdout: JSON.stringify(encodeError(version, toCniError(err))), exitCode: 1 };
  }
}

async function execute(req: PluginRequest, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  const etcd = { ...req.datastore.etcd, callTimeoutMs: CALL_TIMEOUT_MS, retryBudgetMs: 1_000 };
  const ds = openDatastore({ ...req.datastore, etcd });
  const ipam = openIpamStore(etcd, CALL_TIMEOUT_MS);
  const log = childLogger({ component: 'reef-ipam', handle: req.handle, node: req.node, command: req.command });
  try {
    let pools: Promise<IpamPool[]> | undefined;
    const readPools = (): Promise<IpamPool[]> => (pools ??= workloadPools(ds));
    const nodeMatches = req.command === 'ADD' ? await nodeMatcher(ds, req.node, await readPools()) : () => true;
    const allocator = new IpamAllocator({ store: ipam.store, pools: readPools, nodeMatches, log });
    const deps = { allocator, store: ipam.store, now: () => Date.now(), signal };
    switch (req.command) {
      case 'ADD': {
        const r = await cmdAdd(req, deps);
        log.info('addresses assigned', { addresses: r.ips.map((i) => i.address), pod: req.pod, namespace: req.namespace });
        return encodeResult(req.cniVersion, r);
      }
      case 'DEL':
        await cmdDel(req, deps);
        log.info('addresses released');
        return undefined;
      case 'CHECK':
        await cmdCheck(req, deps);
        return undefined;
    }
  } catch (err) {
    const e = toCniError(err);
    const where = `etcd at ${etcd.endpoints.join(',')}`;
    if (e.cniCode !== CNI_CODES.tryAgainLater || e.detail?.includes(etcd.endpoints[0]!)) throw e;
    throw new CniError(e.cniCode, e.msg, e.detail ? `${e.detail} (${where})` : where, err);
  } finally {
    ipam.close();
    await ds.close().catch(() => undefined);
  }
}

/** Runs `fn` with a signal that aborts at the deadline, and answers code 11 then even if `fn` is stuck in a call. */
async function withDeadline<T>(ms: number, req: PluginRequest, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const late = new CniError(CNI_CODES.tryAgainLater, 'datastore unreachable, try again later', `${req.command} did not finish within ${ms} ms (etcd at ${req.datastore.etcd.endpoints.join(',')})`);
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (import.meta.main) {
  const outcome = await runPlugin(process.env, await readStdin());
  process.exitCode = outcome.exitCode;
  // A stuck gRPC channel must not keep the plugin alive after it has answered.
  process.stdout.write(outcome.stdout === '' ? '' : `${outcome.stdout}\n`, () => process.exit(outcome.exitCode));
}
