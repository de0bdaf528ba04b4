/**
 * The reachability matrix: every pod to every pod (itself included) on every
 * column (TCP and UDP on two ports each, to the pod's IPv4 address and again
 * to its IPv6 address; ICMP echo where a scenario asks), probed all at once,
 * and compared cell by cell with decide().
 *
 * A cell that was denied but should be allowed is probed once more with a
 * longer wait before it counts as a mismatch: several hundred probes at once
 * can delay an answer past the short timeout, while an allowed cell that
 * should be denied can never be an effect of load.
 */
import { decide, type Decision, type DecidedBy, type EvalState } from '../../../felix/calc/policy/index.ts';
import { probeDetail, type Pod } from '../topology.ts';
import { podId } from './cluster.ts';

export const PORT_COLUMNS = ['tcp/80', 'tcp/8080', 'udp/53', 'udp/5353'] as const;
/** The same ports between the pods' IPv6 addresses. */
export const PORT_COLUMNS6 = ['tcp6/80', 'tcp6/8080', 'udp6/53', 'udp6/5353'] as const;
export type Column = (typeof PORT_COLUMNS)[number] | (typeof PORT_COLUMNS6)[number] | 'icmp' | 'icmp6';

export interface Cell {
  readonly from: Pod;
  readonly to: Pod;
  readonly column: Column;
  /** The source port the probe used (what the oracle must be told). */
  readonly srcPort: number;
  readonly ok: boolean;
  readonly expected: Decision;
  /** Denied by the short timeout, allowed on the slower second try. */
  readonly retried: boolean;
}

export interface MatrixResult {
  readonly cells: readonly Cell[];
  readonly mismatches: readonly Cell[];
  readonly retried: number;
}

const FIRST_TIMEOUT_MS = 1000;
const RETRY_TIMEOUT_MS = 3000;
const PING_CONCURRENCY = 32;

let nextPort = 20_000 + Math.floor(Math.random() * 40_000);

/** A source port no earlier probe of this run used, so no probe rides an old conntrack entry. */
function freshPort(): number {
  nextPort = nextPort >= 59_999 ? 20_000 : nextPort + 1;
  return nextPort;
}

/** A column's address family, protocol and port (none for ICMP echo). */
export function splitColumn(c: Column): { family: 4 | 6; proto: 'tcp' | 'udp' | 'icmp'; port?: number } {
  const [name, port] = c.split('/') as [string, string | undefined];
  const family = name.endsWith('6') ? 6 : 4;
  const proto = name.replace(/6$/, '') as 'tcp' | 'udp' | 'icmp';
  return port === undefined ? { family, proto } : { family, proto, port: Number(port) };
}

/** The address a column probes `pod` at. */
export function addressOf(pod: Pod, family: 4 | 6): string {
  if (family === 4) return pod.ip;
  if (!pod.ip6) throw new Error(`${podId(pod)} has no IPv6 address to probe`);
  return pod.ip6;
}

async function ping(from: Pod, to: Pod, family: 4 | 6, waitS: number): Promise<boolean> {
  const argv = ['ping', `-${family}`, '-n', '-q', '-c', '1', '-W', String(waitS), addressOf(to, family)];
  const res = await from.node.scope.exec(from.ns, argv, { allowFailure: true, timeoutMs: (waitS + 5) * 1000 });
  return res.code === 0;
}

async function probeOnce(from: Pod, to: Pod, column: Column, srcPort: number, timeoutMs: number): Promise<boolean> {
  const pc = splitColumn(column);
  if (pc.proto === 'icmp') return ping(from, to, pc.family, Math.ceil(timeoutMs / 1000));
  return (await probeDetail(from, { ip: addressOf(to, pc.family) }, pc.proto, pc.port!, { timeoutMs, srcPort })).ok;
}

/**
 * decide() for one cell. IPv4 cells name the pods (decide() takes an
 * endpoint's first address, its IPv4 one); IPv6 cells give the addresses the
 * probe used, which decide() maps back to their endpoints.
 */
export function oracle(state: EvalState, from: Pod, to: Pod, column: Column, srcPort: number): Decision {
  const pc = splitColumn(column);
  const [src, dst] = pc.family === 4 ? [{ endpoint: podId(from) }, { endpoint: podId(to) }] : [{ ip: addressOf(from, 6) }, { ip: addressOf(to, 6) }];
  if (pc.proto === 'icmp') return decide(state, { src, dst, ...(pc.family === 4 ? { protocol: 'ICMP', icmpType: 8 } : { protocol: 'ICMPv6', icmpType: 128 }), icmpCode: 0 });
  return decide(state, { src, dst, protocol: pc.proto.toUpperCase(), srcPort, dstPort: pc.port! });
}

/** Runs `jobs` with at most `limit` in flight. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

export interface Planned {
  readonly from: Pod;
  readonly to: Pod;
  readonly column: Column;
  readonly srcPort: number;
}

/** TCP and UDP probes all at once (one process per pod serves them); pings, one process each, in a pool. */
export async function runProbes(list: readonly Planned[], timeoutMs: number): Promise<boolean[]> {
  const out: boolean[] = new Array(list.length);
  const idx = list.map((_, i) => i);
  const isPing = (i: number) => splitColumn(list[i]!.column).proto === 'icmp';
  const pings = idx.filter(isPing);
  const others = idx.filter((i) => !isPing(i));
  const one = (i: number) => probeOnce(list[i]!.from, list[i]!.to, list[i]!.column, list[i]!.srcPort, timeoutMs).then((ok) => (out[i] = ok));
  await Promise.all([Promise.all(others.map(one)), pool(pings.map((i) => () => one(i)), PING_CONCURRENCY)]);
  return out;
}

/** More false denials than this is a broken dataplane, not a slow answer: no second try. */
const RETRY_LIMIT = 40;

export async function probeMatrix(pods: readonly Pod[], columns: readonly Column[], state: EvalState): Promise<MatrixResult> {
  const plan: Planned[] = [];
  for (const from of pods) for (const to of pods) for (const column of columns) plan.push({ from, to, column, srcPort: splitColumn(column).proto === 'icmp' ? 0 : freshPort() });
  const first = await runProbes(plan, FIRST_TIMEOUT_MS);
  const cells: Cell[] = plan.map((p, i) => ({ ...p, ok: first[i]!, expected: oracle(state, p.from, p.to, p.column, p.srcPort), retried: false }));
  const slow = cells.filter((c) => !c.ok && c.expected.verdict === 'allow');
  if (slow.length > 0 && slow.length <= RETRY_LIMIT) {
    const again = await runProbes(slow.map((c) => ({ ...c, srcPort: splitColumn(c.column).proto === 'icmp' ? 0 : freshPort() })), RETRY_TIMEOUT_MS);
    slow.forEach((c, i) => {
      if (again[i]) Object.assign(c, { ok: true, retried: true });
    });
  }
  const mismatches = cells.filter((c) => c.ok !== (c.expected.verdict === 'allow'));
  return { cells, mismatches, retried: cells.filter((c) => c.retried).length };
}

export function describeDecision(d: Decision): string {
  const by: DecidedBy = d.by;
  switch (by.kind) {
    case 'self':
      return 'a pod always reaches itself';
    case 'no-policy':
      return `no policy selects it for ${by.direction}`;
    case 'default-deny':
      return `default deny in ${by.direction}`;
    case 'pass':
      return `${by.direction} ${by.policy} rule ${by.rule} Pass, then default deny`;
    case 'rule':
      return `${by.direction} ${by.policy} rule ${by.rule} ${by.action}`;
  }
}

/**
 * One grid per column that has a mismatch (rows: from, columns: to), then one
 * line per mismatch with the oracle's reason.
 *   o allowed as expected   . denied as expected
 *   + allowed, oracle says deny   - denied, oracle says allow
 */
export function formatDiff(pods: readonly Pod[], result: MatrixResult): string {
  if (result.mismatches.length === 0) return '';
  const ids = pods.map(podId);
  const width = Math.max(...ids.map((i) => i.length));
  const lines: string[] = ['legend: o allowed as expected, . denied as expected, + allowed but oracle denies, - denied but oracle allows'];
  const columns = [...new Set(result.mismatches.map((m) => m.column))];
  for (const column of columns) {
    lines.push('', `${column.padEnd(width)}  to: ${ids.map((_, i) => String(i)).join(' ')}`);
    ids.forEach((fromId, i) => {
      const row = ids.map((toId) => {
        const c = result.cells.find((x) => x.column === column && podId(x.from) === fromId && podId(x.to) === toId)!;
        const want = c.expected.verdict === 'allow';
        return c.ok === want ? (want ? 'o' : '.') : c.ok ? '+' : '-';
      });
      lines.push(`${String(i)} ${fromId.padEnd(width)}  ${row.join(' ')}`);
    });
  }
  lines.push('');
  for (const m of result.mismatches) {
    lines.push(`${podId(m.from)} -> ${podId(m.to)} ${m.column}${m.srcPort ? ` (sport ${m.srcPort})` : ''}: got ${m.ok ? 'allow' : 'deny'}, oracle ${m.expected.verdict} (${describeDecision(m.expected)})`);
  }
  return lines.join('\n');
}
