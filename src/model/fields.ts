/**
 * Field types shared by the kinds: each one checks a value, says precisely
 * what is wrong with it, and returns the canonical form (AS numbers as
 * numbers, addresses in normal text, protocol names in Calico's spelling).
 */
import { z } from 'zod';
import { show } from './findings.ts';
import { field } from './schema.ts';
import { formatIP, formatPrefix, parseCIDR, parseIP, parseIPPort, type Family } from './net.ts';
import { checkSelector } from './selector-syntax.ts';
import { dns1123Label, dns1123Subdomain } from './names.ts';

export const str = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected a string, got ${show(v)}`);
  return v;
});

export const nonEmptyStr = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected a string, got ${show(v)}`);
  if (v === '') return report('must not be empty');
  return v;
});

export const bool = field<boolean>((v, report) => {
  if (typeof v !== 'boolean') return report(`expected true or false, got ${show(v)}`);
  return v;
});

export function int(min: number, max: number, what = 'value'): z.ZodType<number, unknown> {
  return field<number>((v, report) => {
    const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return report(`expected a whole number, got ${show(v)}`);
    if (n < min || n > max) return report(`${what === 'value' ? '' : `${what} `}${n} is out of range ${min}-${max}`);
    return n;
  });
}

/** Case-insensitive match against `values`, returning the canonical spelling. */
export function oneOf<const T extends string>(values: readonly T[], note = ''): z.ZodType<T, unknown> {
  return field<T>((v, report) => {
    const hit = typeof v === 'string' ? values.find((x) => x.toLowerCase() === v.toLowerCase()) : undefined;
    if (hit === undefined) return report(`${show(v)} is not one of ${values.join(', ')}${note}`);
    return hit;
  });
}

export const MAX_ASN = 4294967295;

/** 65001, "65001" and asdot "1.10" (= 65546) are the same AS; canonical is the number. */
export function parseASN(v: unknown): { ok: true; asn: number } | { ok: false; reason: string } {
  let n: number | undefined;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (typeof v === 'string' && /^[0-9]+$/.test(v)) n = Number(v);
  else if (typeof v === 'string' && /^[0-9]+\.[0-9]+$/.test(v)) {
    const [hi, lo] = v.split('.').map(Number) as [number, number];
    if (hi > 65535 || lo > 65535) {
      return { ok: false, reason: `${show(v)} is not a valid asdot AS number: both halves must be 0-65535` };
    }
    n = hi * 65536 + lo;
  }
  if (n === undefined) {
    return { ok: false, reason: `${show(v)} is not an AS number (use 1-${MAX_ASN}, or asdot such as "1.10")` };
  }
  if (n < 1 || n > MAX_ASN) return { ok: false, reason: `AS number ${show(v)} is out of range 1-${MAX_ASN}` };
  return { ok: true, asn: n };
}

export const asNumber = field<number>((v, report) => {
  const r = parseASN(v);
  return r.ok ? r.asn : report(r.reason);
});

export function selector(what = 'selector'): z.ZodType<string, unknown> {
  return field<string>((v, report) => {
    if (typeof v !== 'string') return report(`expected a ${what} string, got ${show(v)}`);
    const err = checkSelector(v);
    if (err) return report(`${what} ${show(v)} is invalid: ${err.reason} at offset ${err.offset}`);
    return v.trim();
  });
}

export interface CidrOptions {
  /** Refuse host bits (a network), or keep them (an interface address). */
  strict: boolean;
  /** Accept a bare address, read as a single host (/32 or /128). */
  bareIP?: boolean;
  /** Keep a bare address bare rather than adding /32 or /128. */
  keepBare?: boolean;
  family?: Family;
}

export function cidr(opts: CidrOptions): z.ZodType<string, unknown> {
  return field<string>((v, report) => {
    if (typeof v !== 'string') return report(`expected a CIDR string, got ${show(v)}`);
    const r = parseCIDR(v, { strict: opts.strict, allowBareIP: opts.bareIP ?? false });
    if (!r.ok) return report(r.reason);
    if (opts.family && r.prefix.family !== opts.family) {
      return report(`${show(v)} is an IPv${r.prefix.family} CIDR; an IPv${opts.family} one is required here`);
    }
    if (opts.keepBare && !v.includes('/')) return formatIP(r.prefix);
    return formatPrefix(r.prefix);
  });
}

export function ip(family?: Family): z.ZodType<string, unknown> {
  return field<string>((v, report) => {
    if (typeof v !== 'string') return report(`expected an IP address string, got ${show(v)}`);
    const a = parseIP(v);
    if (!a) return report(`${show(v)} is not a valid IP address`);
    if (family && a.family !== family) return report(`${show(v)} is an IPv${a.family} address; IPv${family} is required here`);
    return formatIP(a);
  });
}

export const peerAddress = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected an IP address string, got ${show(v)}`);
  const r = parseIPPort(v);
  return r.ok ? r.text : report(r.reason);
});

/** Go's time.Duration text, as Calico stores restart times (`120s`, `1m30s`). */
export const duration = field<string>((v, report) => {
  if (typeof v !== 'string' || !/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) {
    return report(`${show(v)} is not a duration (e.g. "120s", "1m30s", "2h")`);
  }
  return v;
});

export const subdomainName = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected a name string, got ${show(v)}`);
  const why = dns1123Subdomain(v);
  return why ? report(why) : v;
});

export const labelName = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected a name string, got ${show(v)}`);
  const why = dns1123Label(v);
  return why ? report(why) : v;
});

export const stringList = z.array(str);

export const secretKeyRef = z.strictObject(
  { secretKeyRef: z.strictObject({ name: subdomainName, key: nonEmptyStr }) },
  {
    error: (iss) => iss.code === 'invalid_type' && iss.input !== undefined
      ? `expected a Secret reference {secretKeyRef: {name, key}}, got ${show(iss.input)}; passwords are never stored inline`
      : undefined,
  },
);
export type SecretKeyRef = z.output<typeof secretKeyRef>;

/**
 * Ports: 80, "80", "8000:8080" (a <= b) or a named port (IANA service name).
 * Canonical: single numbers as numbers, ranges and names as strings.
 */
export type Port = number | string;

const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function portNameProblem(name: string): string | undefined {
  if (name.length > 15 || !PORT_NAME.test(name) || name.includes('--')) {
    return `${show(name)} is not a port number, range or port name ` +
      '(a name is at most 15 lowercase letters, digits and single hyphens, with at least one letter)';
  }
  return undefined;
}

export function parsePort(v: unknown): { ok: true; port: Port } | { ok: false; reason: string } {
  const range = (n: number) => n >= 1 && n <= 65535;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || !range(v)) return { ok: false, reason: `port ${v} is out of range 1-65535` };
    return { ok: true, port: v };
  }
  if (typeof v !== 'string') return { ok: false, reason: `expected a port number, range or name, got ${show(v)}` };
  const m = /^([0-9]+)(?::([0-9]+))?$/.exec(v);
  if (m) {
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (!range(lo) || !range(hi)) return { ok: false, reason: `port ${show(v)} is out of range 1-65535` };
    if (lo > hi) return { ok: false, reason: `port range ${show(v)} is reversed; did you mean "${hi}:${lo}"?` };
    return { ok: true, port: lo === hi ? lo : `${lo}:${hi}` };
  }
  const why = portNameProblem(v);
  return why ? { ok: false, reason: why } : { ok: true, port: v };
}

export const port = field<Port>((v, report) => {
  const r = parsePort(v);
  return r.ok ? r.port : report(r.reason);
});

export const PROTOCOL_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];
export type Protocol = ProtocolName | number;

/** IANA numbers of the named protocols, so "6" and "TCP" are treated alike in checks. */
export const PROTOCOL_NUMBERS: Record<ProtocolName, number> = {
  TCP: 6,
  UDP: 17,
  ICMP: 1,
  ICMPv6: 58,
  SCTP: 132,
  UDPLite: 136,
};

export function protocolNumber(p: Protocol): number {
  return typeof p === 'number' ? p : PROTOCOL_NUMBERS[p];
}

export const protocol = field<Protocol>((v, report) => {
  if (typeof v === 'string') {
    const hit = PROTOCOL_NAMES.find((n) => n.toLowerCase() === v.toLowerCase());
    if (hit) return hit;
  }
  const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n)) {
    if (n < 1 || n > 255) return report(`protocol number ${n} is out of range 1-255`);
    return n;
  }
  return report(`${show(v)} is not a protocol (use ${PROTOCOL_NAMES.join(', ')} or a number 1-255)`);
});

/** Label and annotation maps, keys checked as Kubernetes qualified names. */
export function stringMap(what: 'label' | 'annotation'): z.ZodType<Record<string, string>, unknown> {
  return field<Record<string, string>>((v, report) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return report(`expected a mapping of ${what}s, got ${show(v)}`);
    }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      const keyWhy = qualifiedNameProblem(k);
      if (keyWhy) report(`${what} key ${show(k)} ${keyWhy}`, [k]);
      if (typeof val !== 'string') {
        report(`${what} value must be a string, got ${show(val)} (quote it in YAML)`, [k]);
        continue;
      }
      if (what === 'label' && val !== '' && !LABEL_VALUE.test(val)) {
        report(`label value ${show(val)} must be at most 63 letters, digits, '-', '_' or '.', ` +
          'starting and ending with a letter or digit', [k]);
      }
      out[k] = val;
    }
    return out;
  });
}

export const LABEL_VALUE = /^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function qualifiedNameProblem(k: string): string | undefined {
  const slash = k.lastIndexOf('/');
  const name = slash < 0 ? k : k.slice(slash + 1);
  if (slash >= 0) {
    const prefixWhy = dns1123Subdomain(k.slice(0, slash));
    if (prefixWhy) return `has an invalid prefix: ${prefixWhy}`;
  }
  if (!LABEL_VALUE.test(name)) {
    return "must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit " +
      '(optionally after a DNS prefix and "/")';
  }
  return undefined;
}
