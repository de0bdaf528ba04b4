/**
 * The labels selectors see on an endpoint. As in Calico, an endpoint carries
 * its own labels plus `projectcalico.org/namespace`, and inherits its
 * namespace's labels under the `pcns.` prefix, so `namespaceSelector` becomes
 * an ordinary selector over endpoint labels and one index serves both.
 */
import { NAMESPACE_LABEL, NAMESPACE_LABEL_PREFIX } from '../selector/ast.ts';
import type { Labels } from '../selector/compile.ts';
import type { EndpointInput, NamespaceInput } from './types.ts';

export const ORCHESTRATOR_LABEL = 'projectcalico.org/orchestrator';
export const NAME_LABEL = 'projectcalico.org/name';
export const K8S_NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A namespace's labels as selectors see them, with the automatic name labels added. */
export function namespaceLabels(ns: NamespaceInput | undefined, name: string): Map<string, string> {
  const m = new Map(Object.entries(ns?.labels ?? {}));
  m.set(NAME_LABEL, name);
  m.set(K8S_NAMESPACE_NAME_LABEL, name);
  return m;
}

/**
 * A namespace's labels as its endpoints inherit them: `pcns.`-prefixed, flat
 * (key, value, key, value…). The calc graph computes this once per namespace
 * update and passes it to endpointLabels for every endpoint inside.
 */
export function inheritedLabels(ns: NamespaceInput | undefined, name: string): string[] {
  const kv: string[] = [];
  for (const [k, v] of namespaceLabels(ns, name)) kv.push(NAMESPACE_LABEL_PREFIX + k, v);
  return kv;
}

/** `inherited`: inheritedLabels(ns, ep.namespace), when the caller has it. */
export function endpointLabels(ep: EndpointInput, ns: NamespaceInput | undefined, inherited?: readonly string[]): Labels {
  const m = new Map<string, string>();
  const kv = inherited ?? inheritedLabels(ns, ep.namespace);
  for (let i = 0; i < kv.length; i += 2) m.set(kv[i]!, kv[i + 1]!);
  const own = ep.labels;
  for (const k in own) if (Object.hasOwn(own, k)) m.set(k, own[k]!);
  m.set(NAMESPACE_LABEL, ep.namespace);
  m.set(ORCHESTRATOR_LABEL, 'k8s');
  return m;
}
