/**
 * The reef-bgp config file (docs/reef-bgp.md), validated in one place with
 * zod. Every error names the field it is about (`peers[1].asNumber: 0 is out
 * of range 1-4294967295`), so an operator fixes the file from one line.
 * Relationships between fields (duplicate peers, route-reflector clients that
 * are not iBGP) are checked after the shapes, with the same kind of message.
 * reef-bgp loads this module only to read a config file (bgp/config-base.ts
 * has what the --bench-config path needs, without zod).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, isIpv4, isIpv6 } from './config-base.ts';
import { parsePrefix } from './rib/prefix-key.ts';

export { ConfigError, isIpv4, isIpv6, benchConfig, speakerOptionsFrom, peersFrom, originatedFrom } from './config-base.ts';

const int = (lo: number, hi: number) =>
  z.number({ error: (i) => (i.input === undefined ? 'is required' : `${JSON.stringify(i.input)} is not a number`) }).refine((n) => Number.isInteger(n) && n >= lo && n <= hi, {
    error: (i) => `${String(i.input)} is out of range ${lo}-${hi}`,
  });
const asn = int(1, 4294967295);
const dottedQuad = z.string({ error: 'must be a dotted quad' }).refine(isIpv4, { error: (i) => `${String(i.input)} is not a dotted quad` });
const address = z.string({ error: 'must be an IP address' }).refine((s) => isIpv4(s) || isIpv6(s), { error: (i) => `${String(i.input)} is not an IP address` });
const prefix = z.string({ error: 'must be a prefix' }).refine(
  (s) => {
    try {
      parsePrefix(s);
      return true;
    } catch {
      return false;
    }
  },
  { error: (i) => `${String(i.input)} is not a prefix (address/length, host bits zero)` },
);
const community = z.string().refine((s) => /^\d+:\d+$/.test(s) && s.split(':').every((x) => Number(x) <= 65535), {
  error: (i) => `${String(i.input)} is not a community (asn:value, each 0-65535)`,
});
const family = z.enum(['ipv4', 'ipv6'], { error: (i) => `${JSON.stringify(i.input)} is not a family (ipv4 or ipv6)` });
const rule = z.strictObject({ prefix, ge: int(0, 128).optional(), le: int(0, 128).optional(), action: z.enum(['accept', 'reject']) });
const holdTime = int(0, 65535).refine((n) => n === 0 || n >= 3, { error: (i) => `hold time ${String(i.input)} s must be 0 or at least 3 s` });

const peer = z.strictObject({
  name: z.string().min(1).optional(),
  address,
  asNumber: asn,
  port: int(1, 65535).default(179),
  passive: z.boolean().default(false),
  holdTime: holdTime.default(90),
  families: z.array(family).min(1).optional(),
  routeReflectorClient: z.boolean().default(false),
  nextHopSelf: z.boolean().default(false),
  keepOriginalNextHop: z.boolean().default(false),
  enforceFirstAs: z.boolean().optional(),
  gracefulRestart: z.boolean().default(true),
  maxPrefixes: int(1, 2 ** 32).optional(),
  import: z.array(rule).optional(),
  export: z.union([z.array(rule), z.literal('none')]).optional(),
  localAddress: address.optional(),
  connectRetryTime: int(1, 65535).optional(),
});

const schema = z.strictObject({
  asNumber: asn,
  routerId: dottedQuad.refine((s) => s !== '0.0.0.0', { error: '0.0.0.0 is not a valid router ID' }),
  listen: z.strictObject({ address: address.optional(), port: int(0, 65535).default(179) }).default({ port: 179 }),
  clusterId: dottedQuad.optional(),
  multipath: z.strictObject({ maxPaths: int(1, 64).default(1) }).default({ maxPaths: 1 }),
  kernel: z
    .strictObject({ enabled: z.boolean().default(false), protocol: int(1, 255).default(85), table: int(1, 4294967295).default(254), blackholeOriginated: z.boolean().default(false) })
    .default({ enabled: false, protocol: 85, table: 254, blackholeOriginated: false }),
  gracefulRestart: z.strictObject({ enabled: z.boolean().default(false), restartTime: int(1, 4095).default(120) }).default({ enabled: false, restartTime: 120 }),
  originate: z.array(z.strictObject({ prefix, communities: z.array(community).optional() })).default([]),
  peers: z.array(peer).default([]),
  status: z
    .strictObject({
      socket: z.string().min(1).default('/run/reef/bgp.sock'),
      listen: z
        .string()
        .refine((s) => /^(.+):(\d+)$/.test(s) && Number(/:(\d+)$/.exec(s)![1]) <= 65535, { error: (i) => `${String(i.input)} is not host:port` })
        .optional(),
    })
    .default({ socket: '/run/reef/bgp.sock' }),
  /** Pre-sizes the RIB (the bench kit knows the table size in advance). */
  expectedPrefixes: int(0, 2 ** 32).optional(),
});

export type ReefBgpConfig = z.output<typeof schema>;
export type ReefBgpPeer = z.output<typeof peer>;

/** `peers[1].asNumber` from zod's path. */
function fieldOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function issueText(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
  if (i.code === 'invalid_type' && i.message.startsWith('Invalid input')) return i.input === undefined ? 'is required' : `must be ${i.expected}`;
  return i.message;
}

/** Validates a parsed document; throws ConfigError naming the first bad field. */
export function parseConfig(doc: unknown): ReefBgpConfig {
  const r = schema.safeParse(doc ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    const path = i.code === 'unrecognized_keys' ? [...i.path] : i.path;
    throw new ConfigError(fieldOf(path), issueText(i));
  }
  checkRelations(r.data);
  return r.data;
}

function checkRelations(c: ReefBgpConfig): void {
  const seen = new Map<string, number>();
  c.peers.forEach((p, i) => {
    const at = `peers[${i}]`;
    const other = seen.get(p.address);
    if (other !== undefined) throw new ConfigError(`${at}.address`, `${p.address} is already the address of peers[${other}]`);
    seen.set(p.address, i);
    if (p.routeReflectorClient && p.asNumber !== c.asNumber) {
      throw new ConfigError(`${at}.routeReflectorClient`, `only iBGP peers (asNumber ${c.asNumber}) can be route-reflector clients, not AS ${p.asNumber}`);
    }
    if (p.nextHopSelf && p.keepOriginalNextHop) throw new ConfigError(`${at}.keepOriginalNextHop`, 'contradicts nextHopSelf');
    for (const [k, rules] of [['import', p.import], ['export', p.export]] as const) {
      if (!Array.isArray(rules)) continue;
      rules.forEach((r, j) => {
        const max = r.prefix.includes(':') ? 128 : 32;
        const len = Number(r.prefix.split('/')[1]);
        const ge = r.ge ?? len;
        const le = r.le ?? (r.ge !== undefined ? max : len);
        if (ge < len || le < ge || le > max) throw new ConfigError(`${at}.${k}[${j}]`, `ge ${ge} le ${le} must satisfy ${len} <= ge <= le <= ${max}`);
      });
    }
  });
}

/** Reads YAML or JSON (JSON is YAML). Errors in the file's syntax name the line. */
export async function loadConfigFile(path: string): Promise<ReefBgpConfig> {
  // Loaded here, not at the top: the bench config path never needs a YAML parser in memory.
  const { default: YAML } = await import('yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot read ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new ConfigError('', `${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseConfig(doc);
}
