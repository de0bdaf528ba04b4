/**
 * The data behind `reefctl ipam show [--show-blocks] [--ip ADDR]
 * [--show-configuration]`, and a plain-text rendering of it. The CLI may
 * print the data as YAML/JSON instead; the text form is for people.
 */
import type { AllocationAttrs, Block } from './block.ts';
import { decodeConfig, type IpamConfig } from './config.ts';
import { IpamInvalidRequestError } from './errors.ts';
import { cidrContainsCidr, cidrSize, parseIp } from './ip.ts';
import { parsePool, poolContaining, type IpamPool } from './pools.ts';
import { reservationHolding, reservedCount, reservedSkip, type ParsedReservation } from './reservations.ts';
import { loadSnapshot } from './snapshot.ts';
import type { IpamStore } from './store.ts';

export interface PoolSummary {
  name: string;
  cidr: string;
  disabled: boolean;
  size: string;
  /** Addresses of the pool inside IPReservations. */
  reserved: string;
  inUse: number;
  blocks: number;
}

export interface BlockSummary {
  cidr: string;
  pool: string | undefined;
  affinity: string | null;
  size: number;
  /** Free addresses of the block inside IPReservations: never handed out. */
  reserved: number;
  inUse: number;
}

export interface IpSummary {
  address: string;
  pool: string | undefined;
  block: string | undefined;
  allocated: boolean;
  /** The IPReservation (or bare reserved CIDR) holding the address. */
  reservedBy?: string;
  attrs?: AllocationAttrs;
}

export interface IpamShow {
  pools: PoolSummary[];
  blocks?: BlockSummary[];
  ip?: IpSummary;
  configuration?: IpamConfig;
}

export async function showIpam(
  store: IpamStore,
  pools: readonly IpamPool[],
  opts: { showBlocks?: boolean; ip?: string; showConfiguration?: boolean; reservations?: readonly ParsedReservation[]; signal?: AbortSignal } = {},
): Promise<IpamShow> {
  const rs = opts.reservations ?? [];
  const parsed = pools.map(parsePool);
  const snap = await loadSnapshot(store, opts.signal);
  const out: IpamShow = {
    pools: parsed.map((p) => {
      const mine = snap.blocks.filter((b) => cidrContainsCidr(p.cidr, b.block.cidr));
      return {
        name: p.pool.name,
        cidr: p.pool.cidr,
        disabled: p.pool.disabled === true,
        size: cidrSize(p.cidr).toString(),
        reserved: reservedCount(rs, p.cidr).toString(),
        inUse: mine.reduce((n, b) => n + b.block.inUse, 0),
        blocks: mine.length,
      };
    }),
  };
  if (opts.showBlocks) {
    out.blocks = snap.blocks.map((b) => ({
      cidr: b.block.cidrText,
      pool: poolContaining(parsed, b.block.cidr.family, b.block.cidr.base)?.pool.name,
      affinity: b.block.affinity,
      size: b.block.size,
      reserved: freeReserved(rs, b.block),
      inUse: b.block.inUse,
    }));
  }
  if (opts.ip !== undefined) {
    const ip = parseIp(opts.ip);
    if (!ip) throw new IpamInvalidRequestError(`"${opts.ip}" is not an IP address`);
    const b = snap.blocks.find((x) => x.block.ordinalOf(ip.value) !== undefined && x.block.cidr.family === ip.family);
    const attrs = b?.block.holderOf(b.block.ordinalOf(ip.value)!);
    const r = reservationHolding(rs, ip.family, ip.value);
    out.ip = {
      address: opts.ip,
      pool: poolContaining(parsed, ip.family, ip.value)?.pool.name,
      block: b?.block.cidrText,
      allocated: attrs !== undefined,
      ...(r ? { reservedBy: r.name ? `IPReservation ${r.name} (${r.text})` : r.text } : {}),
      ...(attrs ? { attrs } : {}),
    };
  }
  if (opts.showConfiguration) out.configuration = decodeConfig(snap.config?.value);
  return out;
}

function freeReserved(rs: readonly ParsedReservation[], block: Block): number {
  const skip = reservedSkip(rs, block.cidr);
  return skip ? block.freeList().filter((f) => skip(f.ordinal)).length : 0;
}

export function renderShow(s: IpamShow): string {
  const lines: string[] = [];
  const table = (rows: string[][]): void => {
    const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) lines.push(r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd());
  };
  table([['POOL', 'CIDR', 'SIZE', 'RESERVED', 'IN USE', 'BLOCKS', 'DISABLED'], ...s.pools.map((p) => [p.name, p.cidr, p.size, p.reserved, String(p.inUse), String(p.blocks), String(p.disabled)])]);
  if (s.blocks) {
    lines.push('');
    table([['BLOCK', 'POOL', 'AFFINITY', 'SIZE', 'RESERVED', 'IN USE'], ...s.blocks.map((b) => [b.cidr, b.pool ?? '-', b.affinity ?? '-', String(b.size), String(b.reserved), String(b.inUse)])]);
  }
  if (s.ip) {
    lines.push('');
    if (!s.ip.allocated) lines.push(`${s.ip.address} is not allocated${s.ip.pool ? ` (pool ${s.ip.pool})` : ' and is in no pool'}`);
    else {
      const a = s.ip.attrs!;
      lines.push(`${s.ip.address} is allocated to handle ${a.handle} in block ${s.ip.block} (pool ${s.ip.pool ?? '-'})`);
      for (const [k, v] of Object.entries(a)) if (k !== 'handle' && v !== undefined) lines.push(`  ${k}: ${v}`);
    }
    if (s.ip.reservedBy) lines.push(`${s.ip.address} is reserved by ${s.ip.reservedBy}: never handed out`);
  }
  if (s.configuration) {
    lines.push('');
    for (const [k, v] of Object.entries(s.configuration)) lines.push(`${k}: ${String(v)}`);
  }
  return lines.join('\n');
}
