/**
 * reef's NetworkPolicy and GlobalNetworkPolicy (Calico v3 shape) into the
 * internal form. Validation here is what the calc needs to stay sound (ports
 * only with a port protocol, icmp code only with a type); the model layer
 * validates the rest at the edge.
 */
import { parseSelector } from '../selector/parser.ts';
import { and, type SelectorNode } from '../selector/ast.ts';
import { fromAst, memoSelector, selector as parsedSelector } from '../selector/selector.ts';
import { parseCidr } from './cidr.ts';
import { PolicyInvalidError } from './errors.ts';
import { hasPorts, isIcmp, protocolNumber } from './protocols.ts';
import { entitySelector, inNamespace, namespaceScope } from './scope.ts';
import type { EntityRuleInput, IcmpMatch, Policy, PolicyInput, PortInput, PortSpec, ReefPolicySpec, Rule, RuleInput, Side } from './types.ts';

const ACTIONS = new Set(['Allow', 'Deny', 'Pass', 'Log']);

export function policyKey(p: PolicyInput): string {
  switch (p.kind) {
    case 'KubernetesNetworkPolicy':
      return `knp:${p.namespace}/${p.name}`;
    case 'NetworkPolicy':
      return `np:${p.namespace}/${p.name}`;
    case 'GlobalNetworkPolicy':
      return `gnp:${p.name}`;
  }
}

export class Converter {
  readonly key: string;
  constructor(key: string) {
    this.key = key;
  }

  fail(path: string, reason: string, cause?: unknown): never {
    throw new PolicyInvalidError(this.key, path, reason, cause);
  }

  selector(text: string, path: string): SelectorNode {
    try {
      // Cached by text: a selector repeated across policies is parsed once.
      return parsedSelector(text).ast;
    } catch (e) {
      return this.fail(path, (e as Error).message, e);
    }
  }

  nets(list: readonly string[] | undefined, path: string): string[] | undefined {
    if (list === undefined || list.length === 0) return undefined;
    const out = list.map((n, i) => {
      try {
        return parseCidr(n).text;
      } catch (e) {
        return this.fail(`${path}[${i}]`, `${JSON.stringify(n)} is not a CIDR`, e);
      }
    });
    return [...new Set(out)].sort();
  }

  port(p: PortInput, path: string): PortSpec {
    if (typeof p === 'number') {
      if (!Number.isInteger(p) || p < 0 || p > 65535) this.fail(path, `port ${p} is out of range 0-65535`);
      return { first: p, last: p };
    }
    const m = /^(\d+):(\d+)$/.exec(p);
    if (m) {
      const first = Number(m[1]);
      const last = Number(m[2]);
      if (first > last || last > 65535) this.fail(path, `port range ${p} is not first:last within 0-65535`);
      return { first, last };
    }
    if (/^\d+$/.test(p)) return this.port(Number(p), path);
    if (!/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(p)) this.fail(path, `${JSON.stringify(p)} is not a port, range or port name`);
    return { name: p };
  }

  ports(list: readonly PortInput[] | undefined, path: string): PortSpec[] | undefined {
    if (list === undefined || list.length === 0) return undefined;
    return list.map((p, i) => this.port(p, `${path}[${i}]`));
  }
}

/** Stands for "no selector" in memoSelector's cache (entitySelector's undefined). */
const NO_SELECTOR: SelectorNode = { op: 'has', key: '\0reef: no selector' };
const NO_SELECTOR_SEL = fromAst(NO_SELECTOR);

/**
 * memoSelector's key for selectors built from a rule side's or a policy's
 * texts: every part length-prefixed (an empty or absent text is absent to
 * the converter too), so equal keys mean equal inputs.
 */
function memoKey(kind: string, sel: string | undefined, nsSel: string | undefined, flag: string, namespace: string | undefined): string | undefined {
  const part = (t: string | undefined) => (t ? (typeof t === 'string' ? `${t.length}:${t}` : undefined) : '-');
  const a = part(sel);
  const b = part(nsSel);
  if (a === undefined || b === undefined) return undefined;
  return `reef-${kind} ${a}${b}${flag}${namespace === undefined ? '-' : `${namespace.length}:${namespace}`}`;
}

function icmp(c: Converter, m: IcmpMatch | undefined, proto: number | undefined, path: string): IcmpMatch | undefined {
  if (m === undefined) return undefined;
  if (!isIcmp(proto)) c.fail(path, 'icmp matches need protocol ICMP or ICMPv6');
  if (m.code !== undefined && m.type === undefined) c.fail(path, 'an ICMP code needs a type');
  if (m.type === undefined) return undefined;
  return m.code === undefined ? { type: m.type } : { type: m.type, code: m.code };
}

function side(c: Converter, e: EntityRuleInput | undefined, namespace: string | undefined, proto: number | undefined, path: string): Side {
  if (e === undefined) return {};
  // The scoped selector depends only on these texts and the namespace: built once per distinct combination.
  const scoped =
    !e.selector && !e.namespaceSelector && !e.notSelector
      ? undefined
      : memoSelector(memoKey('side', e.selector, e.namespaceSelector, e.notSelector ? '!' : '', namespace), () => {
          const sel = e.selector ? c.selector(e.selector, `${path}.selector`) : undefined;
          const nsSel = e.namespaceSelector ? c.selector(e.namespaceSelector, `${path}.namespaceSelector`) : undefined;
          return entitySelector(sel, nsSel, !!e.notSelector, namespace) ?? NO_SELECTOR;
        });
  const notSel = e.notSelector ? c.selector(e.notSelector, `${path}.notSelector`) : undefined;
  const ports = c.ports(e.ports, `${path}.ports`);
  const notPorts = c.ports(e.notPorts, `${path}.notPorts`);
  if ((ports || notPorts) && !hasPorts(proto)) c.fail(`${path}.ports`, 'ports need protocol TCP, UDP, SCTP or UDPLite');
  const out: { -readonly [K in keyof Side]: Side[K] } = {};
  if (scoped && scoped !== NO_SELECTOR_SEL) out.selector = scoped;
  if (notSel) out.notSelector = fromAst(notSel);
  const nets = c.nets(e.nets, `${path}.nets`);
  const notNets = c.nets(e.notNets, `${path}.notNets`);
  if (nets) out.nets = nets;
  if (notNets) out.notNets = notNets;
  if (ports) out.ports = ports;
  if (notPorts) out.notPorts = notPorts;
  return out;
}

function rule(c: Converter, r: RuleInput, namespace: string | undefined, path: string): Rule {
  if (!ACTIONS.has(r.action)) c.fail(`${path}.action`, `${JSON.stringify(r.action)} is not Allow, Deny, Pass or Log`);
  const proto = r.protocol === undefined ? undefined : protocolNumber(r.protocol);
  if (r.protocol !== undefined && proto === undefined) c.fail(`${path}.protocol`, `unknown protocol ${JSON.stringify(r.protocol)}`);
  const notProto = r.notProtocol === undefined ? undefined : protocolNumber(r.notProtocol);
  if (r.notProtocol !== undefined && notProto === undefined) c.fail(`${path}.notProtocol`, `unknown protocol ${JSON.stringify(r.notProtocol)}`);
  const out: { -readonly [K in keyof Rule]: Rule[K] } = {
    action: r.action,
    src: side(c, r.source, namespace, proto, `${path}.source`),
    dst: side(c, r.destination, namespace, proto, `${path}.destination`),
  };
  if (proto !== undefined) out.protocol = proto;
  if (notProto !== undefined) out.notProtocol = notProto;
  const i = icmp(c, r.icmp, proto, `${path}.icmp`);
  const ni = icmp(c, r.notICMP, proto, `${path}.notICMP`);
  if (i) out.icmp = i;
  if (ni) out.notICMP = ni;
  return out;
}

/** Calico's defaulting: the directions that have rules, Ingress when neither has. */
function types(spec: ReefPolicySpec): { ingress: boolean; egress: boolean } {
  if (spec.types && spec.types.length > 0) return { ingress: spec.types.includes('Ingress'), egress: spec.types.includes('Egress') };
  const ingress = (spec.ingress?.length ?? 0) > 0;
  const egress = (spec.egress?.length ?? 0) > 0;
  return { ingress: ingress || !egress, egress };
}

export function convertReefPolicy(p: Extract<PolicyInput, { kind: 'NetworkPolicy' | 'GlobalNetworkPolicy' }>): Policy {
  const key = policyKey(p);
  const c = new Converter(key);
  const spec = p.spec;
  const namespace = p.kind === 'NetworkPolicy' ? p.namespace : undefined;
  // Built once per distinct (selector, namespaceSelector, namespace); a build that fails is not cached.
  const selector = memoSelector(memoKey('applies', spec.selector, spec.namespaceSelector, '', namespace), () => {
    let applies = spec.selector ? c.selector(spec.selector, 'spec.selector') : parseSelector('all()');
    if (namespace !== undefined) {
      if (spec.namespaceSelector) c.fail('spec.namespaceSelector', 'only a GlobalNetworkPolicy has a namespaceSelector');
      applies = and(inNamespace(namespace), applies);
    } else if (spec.namespaceSelector) {
      applies = and(namespaceScope(c.selector(spec.namespaceSelector, 'spec.namespaceSelector')), applies);
    }
    return applies;
  });
  const t = types(spec);
  return {
    key,
    order: spec.order,
    selector,
    ingress: t.ingress ? (spec.ingress ?? []).map((r, i) => rule(c, r, namespace, `spec.ingress[${i}]`)) : undefined,
    egress: t.egress ? (spec.egress ?? []).map((r, i) => rule(c, r, namespace, `spec.egress[${i}]`)) : undefined,
  };
}
