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

export function endpointLabels(ep: EndpointInput, ns: NamespaceInput | undefined): Labels {
  const m = new Map<string, string>();
  for (const [k, v] of namespaceLabels(ns, ep.namespace)) m.set(NAMESPACE_LABEL_PREFIX + k, v);
  for (const [k, v] of Object.entries(ep.labels)) m.set(k, v);
  m.set(NAMESPACE_LABEL, ep.namespace);
  m.set(ORCHESTRATOR_LABEL, 'k8s');
  return m;
}
