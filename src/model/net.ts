/**
 * Address and prefix parsing for validation. Addresses are held as bigint so
 * masking and overlap tests are exact for both families; text output follows
 * RFC 5952 for IPv6 so a normalised document always prints the same way.
 */

export type Family = 4 | 6;

export interface Addr {
  family: Family;
  value: bigint;
}

export interface Prefix extends Addr {
  length: number;
}

const V4_PART = /^(0|[1-9][0-9]{0,2})$/;

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // Leading zeros are refused: some tools read them as octal.
    if (!V4_PART.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // An embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = toGroups(halves[0]!);
  const rest = halves.length === 2 ? toGroups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const known = head.length + rest.length;
  let groups: bigint[];
  if (halves.length === 2) {
    if (known > 7) return undefined;
    groups = [...head, ...new Array<bigint>(8 - known).fill(0n), ...rest];
  } else {
    if (known !== 8) return undefined;
    groups = head;
  }
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseIP(s: string): Addr | undefined {
  if (s.includes(':')) {
    const value = parseV6(s);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4(s);
  return value === undefined ? undefined : { family: 4, value };
}

export function bits(f: Family): number {
  return f === 4 ? 32 : 128;
}

export function formatIP(a: Addr): string {
  if (a.family === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String((a.value >> sh) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((a.value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (leftmost on a tie) of two or more zero groups.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function mask(f: Family, length: number): bigint {
  const total = bits(f);
  return ((1n << BigInt(total)) - 1n) ^ ((1n << BigInt(total - length)) - 1n);
}

export type CidrResult =
  | { ok: true; prefix: Prefix }
  | { ok: false; reason: string };

/**
 * `strict` refuses host bits, as a pool or a rule's net must name a network;
 * interface addresses (Node's `10.0.0.1/24`) are parsed with `strict` off.
 */
export function parseCIDR(s: string, opts: { strict: boolean; allowBareIP?: boolean }): CidrResult {
  const slash = s.indexOf('/');
  const ipText = slash < 0 ? s : s.slice(0, slash);
  const addr = parseIP(ipText);
  if (!addr) {
    return { ok: false, reason: `"${s}" is not a valid CIDR: "${ipText}" is not an IPv4 or IPv6 address` };
  }
  let length = bits(addr.family);
  if (slash < 0) {
    if (!opts.allowBareIP) {
      return { ok: false, reason: `"${s}" is not a valid CIDR: the prefix length is missing (e.g. ${s}/${length})` };
    }
  } else {
    const lenText = s.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > bits(addr.family)) {
      return {
        ok: false,
        reason: `"${s}" is not a valid CIDR: prefix length "${lenText}" must be 0-${bits(addr.family)} for IPv${addr.family}`,
      };
    }
    length = Number(lenText);
  }
  const network = addr.value & mask(addr.family, length);
  if (opts.strict && network !== addr.value) {
    const fixed = `${formatIP({ family: addr.family, value: network })}/${length}`;
    return { ok: false, reason: `${s} has host bits set; did you mean ${fixed}?` };
  }
  return { ok: true, prefix: { family: addr.family, value: addr.value, length } };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIP(p)}/${p.length}`;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false;
  const len = Math.min(a.length, b.length);
  const m = mask(a.family, len);
  return (a.value & m) === (b.value & m);
}

export function contains(p: Prefix, a: Addr): boolean {
  return p.family === a.family && (a.value & mask(p.family, p.length)) === (p.value & mask(p.family, p.length));
}

export type IPPortResult =
  | { ok: true; ip: Addr; port?: number; text: string }
  | { ok: false; reason: string };

/** Calico's peerIP forms: `IP`, `IPv4:port`, `[IPv6]:port`. */
export function parseIPPort(s: string): IPPortResult {
  const bad = (why: string): IPPortResult => ({
    ok: false,
    reason: `"${s}" is not a valid peer address: ${why} (expected IP, IPv4:port or [IPv6]:port)`,
  });
  let ipText = s;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(s);
  if (v6) {
    ipText = v6[1]!;
    portText = v6[2]!;
    if (!ipText.includes(':')) return bad('brackets are only for IPv6 addresses');
  } else if (/^[^:]+:[^:]*$/.exec(s)) {
    [ipText, portText] = s.split(':') as [string, string];
  }
  const ip = parseIP(ipText);
  if (!ip) return bad(`"${ipText}" is not an IP address`);
  if (portText === undefined) return { ok: true, ip, text: formatIP(ip) };
  if (!/^[0-9]+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return bad(`port "${portText}" must be 1-65535`);
  }
  const port = Number(portText);
  const text = ip.family === 6 ? `[${formatIP(ip)}]:${port}` : `${formatIP(ip)}:${port}`;
  return { ok: true, ip, port, text };
}
