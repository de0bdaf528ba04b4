/**
 * The node's BGP address: given, or found on an interface. Autodetection
 * takes the first global (not loopback, not link-local) address of the named
 * interface, or, with no name, of the first interface that is not one reef
 * or a container runtime made (Calico's "first-found" with its default
 * exclusions). The address keeps its prefix length (`10.0.0.1/24`), as the
 * Node resource stores it.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { AddressSource } from './config.ts';
import { NodeConfigError } from './config.ts';

const EXCLUDED = /^(lo|docker.*|cbr.*|dummy.*|virbr.*|lxcbr.*|veth.*|cali.*|reef.*|tunl.*|flannel.*|kube-ipvs.*|cni.*|vxlan.*|wg.*)$/;

export type InterfaceTable = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

export function resolveAddress(src: AddressSource, family: 4 | 6, variable: string, table: InterfaceTable = networkInterfaces()): string | undefined {
  if (src.kind === 'none') return undefined;
  if (src.kind === 'fixed') return src.address;
  const names = src.interface !== undefined ? [src.interface] : Object.keys(table).filter((n) => !EXCLUDED.test(n));
  for (const name of names) {
    for (const a of table[name] ?? []) {
      if (a.internal || (family === 4 ? a.family !== 'IPv4' : a.family !== 'IPv6')) continue;
      if (family === 6 && /^fe80:/i.test(a.address)) continue;
      if (family === 4 && a.address.startsWith('169.254.')) continue;
      return a.cidr ?? a.address;
    }
  }
  const where = src.interface !== undefined ? `interface ${src.interface}` : 'any interface';
  throw new NodeConfigError(variable, `autodetect found no global IPv${family} address on ${where}`);
}
