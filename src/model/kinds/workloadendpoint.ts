/**
 * WorkloadEndpoint: one pod interface, written by the CNI plugin. felix routes
 * each of `ipNetworks` (single addresses) to `interfaceName` on `node` and
 * applies the policies that select the endpoint's labels.
 */
import { z } from 'zod';
import { int, ip, nonEmptyStr, protocol, str, subdomainName, PROTOCOL_NUMBERS, protocolNumber, portNameProblem, type Protocol } from '../fields.ts';
import { field } from '../schema.ts';
import { show } from '../findings.ts';
import { interfaceName } from '../names.ts';
import { contains, formatPrefix, parseCIDR, parseIP } from '../net.ts';
import { defineKind } from './kind.ts';

export interface IPNAT {
  internalIP: string;
  externalIP: string;
}

export interface WorkloadEndpointPort {
  name: string;
  protocol: Protocol;
  port: number;
  hostPort?: number;
  hostIP?: string;
}

export interface WorkloadEndpointSpec {
  node: string;
  orchestrator?: string;
  workload?: string;
  pod?: string;
  endpoint?: string;
  containerID?: string;
  serviceAccountName?: string;
  interfaceName: string;
  /** Single-address networks only: `10.244.1.5/32`, `fd00::5/128`. */
  ipNetworks: string[];
  ipNATs?: IPNAT[];
  ipv4Gateway?: string;
  ipv6Gateway?: string;
  /** Lowercase, colon-separated. */
  mac?: string;
  profiles: string[];
  ports: WorkloadEndpointPort[];
}

const ifaceName = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected an interface name string, got ${show(v)}`);
  const why = interfaceName(v);
  return why ? report(why) : v;
});

const hostNetwork = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected an address string, got ${show(v)}`);
  const r = parseCIDR(v, { strict: false, allowBareIP: true });
  if (!r.ok) return report(r.reason);
  const full = r.prefix.family === 4 ? 32 : 128;
  if (r.prefix.length !== full) {
    return report(`${show(v)} holds more than one address; an endpoint's networks are single addresses (/${full})`);
  }
  return formatPrefix(r.prefix);
});

const mac = field<string>((v, report) => {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(v)) {
    return report(`${show(v)} is not a MAC address (e.g. "ee:ee:ee:ee:ee:ee")`);
  }
  return v.toLowerCase().replaceAll('-', ':');
});

const portName = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected a port name string, got ${show(v)}`);
  const why = portNameProblem(v);
  return why ? report(why.replace('is not a port number, range or port name', 'is not a valid port name')) : v;
});

const spec = z.strictObject({
  node: subdomainName,
  orchestrator: str.optional(),
  workload: str.optional(),
  pod: str.optional(),
  endpoint: str.optional(),
  containerID: str.optional(),
  serviceAccountName: str.optional(),
  interfaceName: ifaceName,
  ipNetworks: z.array(hostNetwork).default([]),
  ipNATs: z.array(z.strictObject({ internalIP: ip(), externalIP: ip() })).optional(),
  ipv4Gateway: ip(4).optional(),
  ipv6Gateway: ip(6).optional(),
  mac: mac.optional(),
  profiles: z.array(nonEmptyStr).default([]),
  ports: z
    .array(z.strictObject({
      name: portName,
      protocol,
      port: int(1, 65535, 'port'),
      hostPort: int(1, 65535, 'hostPort').optional(),
      hostIP: ip().optional(),
    }))
    .default([]),
});

const PORT_PROTOCOLS = new Set([PROTOCOL_NUMBERS.TCP, PROTOCOL_NUMBERS.UDP, PROTOCOL_NUMBERS.SCTP]);

export const workloadEndpointKind = defineKind({
  kind: 'WorkloadEndpoint',
  spec,
  finish(p, _meta, f): WorkloadEndpointSpec {
    const nets = p.ipNetworks.map((n) => parseCIDR(n, { strict: true })).flatMap((r) => (r.ok ? [r.prefix] : []));
    (p.ipNATs ?? []).forEach((nat, i) => {
      const inner = parseIP(nat.internalIP)!;
      const outer = parseIP(nat.externalIP)!;
      if (!nets.some((n) => contains(n, inner))) {
        f.add(`spec.ipNATs[${i}].internalIP`, `${nat.internalIP} is not one of the endpoint's ipNetworks (${p.ipNetworks.join(', ') || 'none'})`);
      }
      if (inner.family !== outer.family) {
        f.add(`spec.ipNATs[${i}].externalIP`, `${nat.externalIP} is IPv${outer.family} but internalIP ${nat.internalIP} is IPv${inner.family}`);
      }
    });
    const seen = new Map<string, number>();
    p.ports.forEach((port, i) => {
      if (!PORT_PROTOCOLS.has(protocolNumber(port.protocol))) {
        f.add(`spec.ports[${i}].protocol`, `${port.protocol} has no ports; use TCP, UDP or SCTP`);
      }
      const key = `${port.name}/${protocolNumber(port.protocol)}`;
      if (seen.has(key)) f.add(`spec.ports[${i}].name`, `${show(port.name)} (${port.protocol}) is already defined at ports[${seen.get(key)}]`);
      seen.set(key, i);
    });
    return p;
  },
});
