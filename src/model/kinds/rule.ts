/**
 * Policy rules, shared by NetworkPolicy and GlobalNetworkPolicy, in Calico's
 * v3 shape. A rule matches on protocol, ICMP type/code, IP version and the
 * source/destination entities (selectors, nets, ports); its action is Allow,
 * Deny, Pass (to the next tier / profiles) or Log.
 */
import { z } from 'zod';
import { cidr, int, oneOf, port, protocol, protocolNumber, PROTOCOL_NUMBERS, selector, stringMap, type Port, type Protocol } from '../fields.ts';
import { show } from '../findings.ts';
import { field, type Findings } from '../schema.ts';
import { parseCIDR } from '../net.ts';

export const ACTIONS = ['Allow', 'Deny', 'Pass', 'Log'] as const;
export type Action = (typeof ACTIONS)[number];

export interface ICMPFields {
  type?: number;
  code?: number;
}

export interface ServiceAccountMatch {
  names?: string[];
  selector?: string;
}

export interface EntityRule {
  nets?: string[];
  notNets?: string[];
  selector?: string;
  notSelector?: string;
  namespaceSelector?: string;
  ports?: Port[];
  notPorts?: Port[];
  serviceAccounts?: ServiceAccountMatch;
}

export interface Rule {
  action: Action;
  ipVersion?: 4 | 6;
  protocol?: Protocol;
  notProtocol?: Protocol;
  icmp?: ICMPFields;
  notICMP?: ICMPFields;
  /** Absent in the input means "any"; always present (maybe empty) in canonical form. */
  source: EntityRule;
  destination: EntityRule;
  metadata?: { annotations?: Record<string, string> };
}

const icmp = z.strictObject({ type: int(0, 254, 'ICMP type').optional(), code: int(0, 255, 'ICMP code').optional() });

const net = cidr({ strict: true, bareIP: true });

const entity = z.strictObject({
  nets: z.array(net).optional(),
  notNets: z.array(net).optional(),
  selector: selector().optional(),
  notSelector: selector('notSelector').optional(),
  namespaceSelector: selector('namespaceSelector').optional(),
  ports: z.array(port).optional(),
  notPorts: z.array(port).optional(),
  serviceAccounts: z
    .strictObject({ names: z.array(z.string()).optional(), selector: selector('serviceAccounts selector').optional() })
    .optional(),
});

const ipVersion = field<4 | 6>((v, report) => (v === 4 || v === 6 ? v : report(`${show(v)} is not an IP version: use 4 or 6`)));

export const rule = z.strictObject({
  action: oneOf(ACTIONS),
  ipVersion: ipVersion.optional(),
  protocol: protocol.optional(),
  notProtocol: protocol.optional(),
  icmp: icmp.optional(),
  notICMP: icmp.optional(),
  source: entity.default({}),
  destination: entity.default({}),
  metadata: z.strictObject({ annotations: stringMap('annotation').optional() }).optional(),
});

const PORT_PROTOCOLS = new Set([PROTOCOL_NUMBERS.TCP, PROTOCOL_NUMBERS.UDP, PROTOCOL_NUMBERS.SCTP, PROTOCOL_NUMBERS.UDPLite]);
const ICMP_PROTOCOLS = new Set([PROTOCOL_NUMBERS.ICMP, PROTOCOL_NUMBERS.ICMPv6]);

/** The checks that span a rule's fields; `at` is the rule's path (`spec.ingress[0]`). */
export function checkRule(r: Rule, at: string, f: Findings): void {
  const proto = r.protocol === undefined ? undefined : protocolNumber(r.protocol);
  for (const side of ['source', 'destination'] as const) {
    for (const k of ['ports', 'notPorts'] as const) {
      if ((r[side][k] ?? []).length > 0 && (proto === undefined || !PORT_PROTOCOLS.has(proto))) {
        f.add(`${at}.${side}.${k}`, `${r[side][k]!.join(', ')}: ports need protocol TCP, UDP, SCTP or UDPLite; ` +
          (r.protocol === undefined ? 'this rule sets no protocol' : `this rule's protocol is ${r.protocol}`));
      }
    }
  }
  for (const k of ['icmp', 'notICMP'] as const) {
    const v = r[k];
    if (v === undefined) continue;
    if (v.code !== undefined && v.type === undefined) {
      f.add(`${at}.${k}.code`, `code ${v.code} needs a type: the kernel matches an ICMP code only with its type`);
    }
    if (proto === undefined || !ICMP_PROTOCOLS.has(proto)) {
      f.add(`${at}.${k}`, `needs protocol ICMP or ICMPv6; ${r.protocol === undefined ? 'this rule sets no protocol' : `this rule's protocol is ${r.protocol}`}`);
    }
  }
  for (const p of [r.protocol, r.notProtocol]) {
    if (p === undefined || r.ipVersion === undefined) continue;
    const n = protocolNumber(p);
    if (n === PROTOCOL_NUMBERS.ICMP && r.ipVersion !== 4) f.add(`${at}.ipVersion`, `${r.ipVersion} does not match protocol ${p}, which is IPv4 only`);
    if (n === PROTOCOL_NUMBERS.ICMPv6 && r.ipVersion !== 6) f.add(`${at}.ipVersion`, `${r.ipVersion} does not match protocol ${p}, which is IPv6 only`);
  }
  let firstFamily: { family: 4 | 6; where: string } | undefined;
  for (const side of ['source', 'destination'] as const) {
    for (const k of ['nets', 'notNets'] as const) {
      (r[side][k] ?? []).forEach((n, i) => {
        const parsed = parseCIDR(n, { strict: true });
        if (!parsed.ok) return;
        const where = `${at}.${side}.${k}[${i}]`;
        if (r.ipVersion !== undefined && parsed.prefix.family !== r.ipVersion) {
          f.add(where, `${n} is IPv${parsed.prefix.family} but the rule has ipVersion ${r.ipVersion}`);
        } else if (firstFamily && firstFamily.family !== parsed.prefix.family) {
          f.add(where, `${n} is IPv${parsed.prefix.family} but ${firstFamily.where} is IPv${firstFamily.family}: ` +
            'one rule matches one IP version; split it in two');
        }
        firstFamily ??= { family: parsed.prefix.family, where };
      });
    }
  }
}
