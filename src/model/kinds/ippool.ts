/**
 * IPPool: a range pods take addresses from, handed out in blocks of
 * 2^(bits - blockSize) addresses, one node per block. reef routes natively, so
 * the overlay modes exist only to accept Calico YAML: they must be Never.
 */
import { z } from 'zod';
import { bool, cidr, int, oneOf, selector } from '../fields.ts';
import { parseCIDR, overlaps, type Prefix } from '../net.ts';
import { defineKind } from './kind.ts';

export const ENCAP_MODES = ['Never'] as const;
export type EncapMode = (typeof ENCAP_MODES)[number];
export const ALLOWED_USES = ['Workload', 'Tunnel', 'LoadBalancer'] as const;
export type AllowedUse = (typeof ALLOWED_USES)[number];
export const ASSIGNMENT_MODES = ['Automatic', 'Manual'] as const;

export interface IPPoolSpec {
  /** Network in canonical text, e.g. `10.244.0.0/16`, `fd00:10:244::/48`. */
  cidr: string;
  /** Prefix length of each block: 26 (64 addresses) by default for IPv4, 122 for IPv6. */
  blockSize: number;
  ipipMode: EncapMode;
  vxlanMode: EncapMode;
  natOutgoing: boolean;
  disabled: boolean;
  disableBGPExport: boolean;
  nodeSelector: string;
  allowedUses: AllowedUse[];
  assignmentMode: (typeof ASSIGNMENT_MODES)[number];
}

const NO_OVERLAY = ' (reef routes pod traffic natively, with no overlay)';

const spec = z.strictObject({
  cidr: cidr({ strict: true }),
  blockSize: int(0, Number.MAX_SAFE_INTEGER, 'blockSize').optional(),
  ipipMode: oneOf(ENCAP_MODES, NO_OVERLAY).default('Never'),
  vxlanMode: oneOf(ENCAP_MODES, NO_OVERLAY).default('Never'),
  natOutgoing: bool.default(false),
  disabled: bool.default(false),
  disableBGPExport: bool.default(false),
  nodeSelector: selector('nodeSelector').default('all()'),
  allowedUses: z.array(oneOf(ALLOWED_USES)).default(['Workload', 'Tunnel']),
  assignmentMode: oneOf(ASSIGNMENT_MODES).default('Automatic'),
});

const LINK_LOCAL: Record<4 | 6, Prefix> = {
  4: { family: 4, value: 0xa9fe0000n, length: 16 },
  6: { family: 6, value: 0xfe80n << 112n, length: 10 },
};

export const ipPoolKind = defineKind({
  kind: 'IPPool',
  spec,
  finish(p, _meta, f): IPPoolSpec {
    const r = parseCIDR(p.cidr, { strict: true });
    const prefix = r.ok ? r.prefix : undefined;
    const family = prefix?.family ?? 4;
    const [min, max] = family === 4 ? [20, 32] : [116, 128];
    const blockSize = p.blockSize ?? (family === 4 ? 26 : 122);
    if (blockSize < min || blockSize > max) {
      f.add('spec.blockSize', `${blockSize} is out of range ${min}-${max} for an IPv${family} pool`);
    } else if (prefix && blockSize < prefix.length) {
      f.add('spec.blockSize', `${blockSize} is smaller than the pool's prefix length ${prefix.length} ` +
        `(${p.cidr}): a block cannot be larger than its pool; use ${prefix.length}-${max}`);
    }
    if (prefix && overlaps(prefix, LINK_LOCAL[family])) {
      f.add('spec.cidr', `${p.cidr} overlaps the link-local range ${family === 4 ? '169.254.0.0/16' : 'fe80::/10'}, ` +
        'which pods use for their default gateway');
    }
    const uses = new Set(p.allowedUses);
    if (uses.size !== p.allowedUses.length) f.add('spec.allowedUses', `${p.allowedUses.join(', ')} lists a use twice`);
    if (uses.has('LoadBalancer') && uses.size > 1) {
      f.add('spec.allowedUses', `LoadBalancer cannot be combined with ${[...uses].filter((u) => u !== 'LoadBalancer').join(', ')}`);
    }
    if (uses.has('LoadBalancer') && p.nodeSelector !== 'all()') {
      f.add('spec.nodeSelector', `a LoadBalancer pool must use all(), not ${JSON.stringify(p.nodeSelector)}`);
    }
    const { cidr: network, blockSize: _given, ...rest } = p;
    return { cidr: network, blockSize, ...rest };
  },
});
