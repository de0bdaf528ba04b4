import { convertK8sPolicy } from './convert-k8s.ts';
import { convertReefPolicy } from './convert-reef.ts';
import type { Policy, PolicyInput } from './types.ts';

export { policyKey } from './convert-reef.ts';

/** Any policy kind into the internal ordered form; throws PolicyInvalidError. */
export function convertPolicy(p: PolicyInput): Policy {
  return p.kind === 'KubernetesNetworkPolicy' ? convertK8sPolicy(p) : convertReefPolicy(p);
}
