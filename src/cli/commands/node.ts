/**
 * `reefctl node status`: what the local reef-node says about itself, read
 * from its status socket (HTTP over a unix socket; see src/node/README.md),
 * printed the way `calicoctl node status` does: a BGP peer table per
 * family, then felix and IPAM summaries. It never touches the datastore.
 * Exit 1 when reef-node is not running (nothing answers on the socket).
 */
import http from 'node:http';
import type { Command } from 'commander';
import type { CommandModule, Services } from '../command.ts';
import { CliError, EXIT } from '../errors.ts';

export const DEFAULT_NODE_SOCKET = '/run/reef/node.sock';

interface PeerRow {
  name: string;
  address: string;
  asNumber: number;
  state: string;
  uptimeSeconds: number;
  lastError: string | null;
  type?: string;
  prefixes?: { received: number; accepted: number; advertised: number };
}

/** The part of reef-node's /status this command reads; anything may be missing from an older daemon. */
export interface NodeStatusDoc {
  node?: string;
  ready?: boolean;
  notReady?: string[];
  addresses?: { ipv4?: string; ipv6?: string };
  bgp?: { asNumber?: number; routerId?: string; peers?: PeerRow[]; originated?: string[]; warnings?: string[] };
  felix?: { running?: boolean; synced?: boolean; endpoints?: number; policies?: number; failures?: number; lastError?: string; applies?: number };
  ipam?: { blocks?: { cidr: string; inUse: number; size: number }[] };
}

export function fetchStatus(socket: string, timeoutMs = 5_000): Promise<NodeStatusDoc> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path: '/status', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new CliError(`reef-node at ${socket} answered HTTP ${res.statusCode}: ${body.trim()}`));
        try {
          resolve(JSON.parse(body) as NodeStatusDoc);
        } catch {
          reject(new CliError(`reef-node at ${socket} sent a status that is not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new CliError(`reef-node is not answering on ${socket} (no reply within ${timeoutMs / 1000} s)`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof CliError) return reject(e);
      const why = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? '' : ` (${e.message})`;
      reject(new CliError(`reef-node is not running: cannot connect to ${socket}${why}`));
    });
  });
}

/** An ASCII box like calicoctl's (tablewriter) tables. */
function box(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (r: readonly string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [rule, line(rows[0]!), rule, ...rows.slice(1).map(line), rule].join('\n') + '\n';
}

function since(p: PeerRow, now: Date): string {
  if (p.state !== 'Established') return '-';
  const t = new Date(now.getTime() - p.uptimeSeconds * 1000);
  return t.toISOString().slice(11, 19);
}

export function renderStatus(s: NodeStatusDoc, now = new Date()): string {
  const out: string[] = [`reef-node is running${s.node ? ` on node ${s.node}` : ''}${s.ready === false ? ' (not ready)' : ''}.`];
  for (const r of s.notReady ?? []) out.push(`  not ready: ${r}`);
  out.push('');
  if (s.bgp === undefined) out.push('BGP is disabled on this node.', '');
  else {
    for (const fam of [4, 6] as const) {
      const peers = (s.bgp.peers ?? []).filter((p) => p.address.includes(':') === (fam === 6));
      out.push(`IPv${fam} BGP status`);
      if (peers.length === 0) {
        out.push(`No IPv${fam} peers found.`, '');
        continue;
      }
      const rows = [['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO']];
      for (const p of peers) {
        const up = p.state === 'Established';
        const info = up ? 'Established' : `${p.state}${p.lastError ? ` ${p.lastError}` : ''}`;
        rows.push([p.address, p.type ?? 'global', up ? 'up' : 'start', since(p, now), info]);
      }
      out.push(box(rows));
    }
    const asn = s.bgp.asNumber !== undefined ? `AS ${s.bgp.asNumber}` : 'not started';
    out.push(`BGP: ${asn}${s.bgp.routerId ? `, router ID ${s.bgp.routerId}` : ''}; advertising ${(s.bgp.originated ?? []).join(', ') || 'nothing'}`);
    for (const w of s.bgp.warnings ?? []) out.push(`  warning: ${w}`);
  }
  const f = s.felix;
  if (f === undefined) out.push('Policy (felix): disabled');
  else {
    const state = !f.running ? 'stopped' : !f.synced ? 'waiting for the datastore' : (f.failures ?? 0) > 0 ? `failing (${f.failures} in a row: ${f.lastError ?? ''})` : 'in sync';
    out.push(`Policy (felix): ${state}; ${f.endpoints ?? 0} endpoints, ${f.policies ?? 0} policies, ${f.applies ?? 0} applies`);
  }
  const blocks = s.ipam?.blocks ?? [];
  out.push(`IPAM: ${blocks.length} block${blocks.length === 1 ? '' : 's'}${blocks.length ? ': ' : ''}${blocks.map((b) => `${b.cidr} (${Math.max(0, b.inUse)}/${b.size} in use)`).join(', ')}`);
  return out.join('\n') + '\n';
}

export const nodeCommands: CommandModule = {
  register(program: Command, services: Services): void {
    const node = program.command('node').description('the reef-node daemon on this host');
    node
      .command('status')
      .description("this node's BGP sessions, policy agent and IPAM blocks, from the local reef-node")
      .option('--socket <path>', `reef-node's status socket; env REEF_STATUS_SOCKET (default ${DEFAULT_NODE_SOCKET})`)
      .option('-o, --output <format>', 'text (default) or json')
      .action((flags: { socket?: string; output?: string }, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          const fmt = flags.output ?? 'text';
          if (fmt !== 'text' && fmt !== 'json') throw new CliError(`unknown output format "${fmt}": use text or json`, EXIT.usage);
          const socket = flags.socket ?? ctx.io.env.REEF_STATUS_SOCKET ?? DEFAULT_NODE_SOCKET;
          const s = await fetchStatus(socket);
          ctx.out(fmt === 'json' ? JSON.stringify(s, null, 2) : renderStatus(s));
          return EXIT.ok;
        }),
      );
  },
};
