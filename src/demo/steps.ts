/**
 * The demo's larger steps: the resources it applies, the views it prints
 * once the fabric has converged, and the policy step with its expected
 * outcome.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { Bird } from '../../test/harness/daemons/bird.ts';
import type { Status } from '../../test/harness/daemons/reef-bgp.ts';
import { BIN, type FabricEtcd } from './control-plane.ts';
import type { DemoNet } from './namespaces.ts';
import { say, shown, step } from './narrate.ts';
import type { DemoNode, NodeAgent } from './node-agents.ts';
import { canConnect, canPing, DB_PORT, probeMatrix, renderMatrix, type DemoPod, type Matrix } from './pods.ts';

const execFileP = promisify(execFile);

export async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, onTimeout: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (${String(last)})` : ''}\n${onTimeout()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function clusterResources(o: { torIp: string; torAs: number; clusterAs: number; nodes: readonly DemoNode[] }): string {
  const docs: unknown[] = [
    { apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name: 'demo-pool' }, spec: { cidr: '10.244.0.0/16', blockSize: 26, natOutgoing: false } },
    { apiVersion: 'reef.dev/v1', kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { asNumber: o.clusterAs, nodeToNodeMeshEnabled: true } },
    { apiVersion: 'reef.dev/v1', kind: 'BGPPeer', metadata: { name: 'tor' }, spec: { peerIP: o.torIp, asNumber: o.torAs } },
    // reef-node registers its own Node; without it the demo does, so `get nodes` tells the same story.
    ...o.nodes.map((n) => ({ apiVersion: 'reef.dev/v1', kind: 'Node', metadata: { name: n.name }, spec: { bgp: { ipv4Address: `${n.ip}/24` } } })),
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

/** reefctl in this namespace: `node status` reads a unix socket, which crosses namespaces. */
async function runReefctl(args: string[]): Promise<string> {
  const r = await execFileP(BIN('reefctl'), args, { encoding: 'utf8', timeout: 15_000, env: { ...process.env, REEF_LOG_LEVEL: 'error' } });
  return r.stdout;
}

function peerTable(s: Status): string {
  const rows = [['PEER', 'ADDRESS', 'AS', 'STATE', 'UP', 'RCVD/ACCEPTED/SENT']];
  for (const p of s.peers) {
    const px = p.prefixes ? `${p.prefixes.received}/${p.prefixes.accepted}/${p.prefixes.advertised}` : '-';
    rows.push([p.name, p.address, String(p.asNumber), p.state, p.uptimeSeconds !== undefined ? `${Math.round(p.uptimeSeconds)}s` : '-', px]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ')).join('\n');
}

export async function showAll(net: DemoNet, etcd: FabricEtcd, bird: Bird, agents: NodeAgent[], first: DemoNode): Promise<void> {
  step('What the cluster looks like now');
  shown('reefctl get nodes -o wide', await etcd.reefctl(['get', 'nodes', '-o', 'wide']));
  shown('reefctl ipam show --show-blocks', await etcd.reefctl(['ipam', 'show', '--show-blocks']));
  shown('reefctl get workloadendpoints -A -o wide', await etcd.reefctl(['get', 'workloadendpoints', '-A', '-o', 'wide']).catch((e: Error) => e.message));
  for (const a of agents) {
    const socket = a.statusSocket;
    const viaCli = socket ? await runReefctl(['node', 'status', '--socket', socket]).catch(() => undefined) : undefined;
    if (viaCli !== undefined) {
      shown(`reefctl node status --socket ${socket}   (${a.node.name})`, viaCli);
      continue;
    }
    const s = await a.status();
    shown(`${a.kind} status on ${a.node.name} (router id ${s.routerId}, AS ${s.asNumber})`, peerTable(s));
  }
  const routes = (await net.scope.exec(first.ns, ['ip', 'route', 'show', 'proto', '85'])).stdout;
  shown(`ip -n ${first.ns} route show proto 85`, routes);
  shown(`birdc show route   (the ToR, in ${bird.ns})`, await bird.cli('show route'));
}

/**
 * Only app=web may reach app=db, on TCP 5432. Expected afterwards: TCP to a
 * db pod works from web pods only, ping to a db pod from nobody, web pods
 * unchanged. Returns whether the matrices say exactly that.
 */
export async function applyPolicy(net: DemoNet, etcd: FabricEtcd, pods: DemoPod[]): Promise<boolean> {
  step(`GlobalNetworkPolicy: only app=web may reach app=db, on TCP ${DB_PORT}`);
  const gnp = {
    apiVersion: 'reef.dev/v1',
    kind: 'GlobalNetworkPolicy',
    metadata: { name: 'db-from-web-only' },
    spec: {
      selector: "app == 'db'",
      types: ['Ingress'],
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'web'" }, destination: { ports: [DB_PORT] } }],
    },
  };
  console.log(stringify(gnp).replace(/^/gm, '      | '));
  say((await etcd.reefctl(['apply', '-f', '-'], stringify(gnp))).trim());
  const db = (p: DemoPod): boolean => p.labels.app === 'db';
  const expectPing = (a: DemoPod, b: DemoPod): boolean => a === b || !db(b);
  const expectTcp = (a: DemoPod, b: DemoPod): boolean => a === b || !db(b) || !db(a);
  const matches = (m: Matrix, want: (a: DemoPod, b: DemoPod) => boolean): boolean => pods.every((a, i) => pods.every((b, j) => m.ok[i]![j] === want(a, b)));
  let ping: Matrix | undefined;
  let tcp: Matrix | undefined;
  // Every node's agent programs its own pods; probe until all have caught up (or give up and show what is).
  await waitFor('the policy on every node', 20_000, async () => {
    tcp = await probeMatrix(`tcp/${DB_PORT}`, pods, (a, b) => canConnect(net, a, b, DB_PORT));
    ping = await probeMatrix('ping', pods, (a, b) => canPing(net, a, b));
    return matches(tcp, expectTcp) && matches(ping, expectPing);
  }).catch((err: Error) => say(`(the matrices below are not what the policy should give: ${err.message.split('\n')[0]})`));
  console.log(renderMatrix(ping!).replace(/^/gm, '    '));
  console.log(renderMatrix(tcp!).replace(/^/gm, '    '));
  const ok = matches(tcp!, expectTcp) && matches(ping!, expectPing);
  say(ok ? 'as the policy says: web -> db on 5432 only; db pods no longer answer ping' : 'NOT as the policy says');
  return ok;
}
