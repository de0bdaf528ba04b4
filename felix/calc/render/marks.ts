/**
 * The packet-mark scheme (after Calico's). Policy chains cannot ACCEPT
 * directly: a packet must pass the source's egress and then the destination's
 * ingress, so a verdict is carried back in mark bits:
 *
 *   accept  an Allow rule matched: the endpoint chain RETURNs, evaluation goes on
 *           (egress -> ingress -> reef-FORWARD's final ACCEPT)
 *   pass    a Pass rule matched: no later policy is consulted; with a single tier
 *           and no profiles the default applies, which is a DROP
 *   scratch a Log rule that expands into several iptables rules logs once
 *
 * Each endpoint chain clears all three before its first policy. The bits are
 * configurable to stay clear of kube-proxy (0x4000, 0x8000) and others.
 */
export interface Marks {
  readonly accept: number;
  readonly pass: number;
  readonly scratch: number;
}

export const DEFAULT_MARKS: Marks = { accept: 0x10000, pass: 0x20000, scratch: 0x40000 };

export function allMarks(m: Marks): number {
  return m.accept | m.pass | m.scratch;
}
