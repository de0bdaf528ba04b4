/**
 * GlobalNetworkPolicy: cluster-wide. Besides the common fields it can pick
 * namespaces (namespaceSelector) and apply to host traffic: before conntrack
 * (doNotTrack), before DNAT (preDNAT), or to forwarded traffic (applyOnForward).
 */
import { z } from 'zod';
import { bool, selector } from '../fields.ts';
import { policyName } from '../names.ts';
import { defineKind } from './kind.ts';
import { commonShape, finishCommon, type PolicySpecCommon } from './policy-common.ts';

export interface GlobalNetworkPolicySpec extends PolicySpecCommon {
  namespaceSelector?: string;
  doNotTrack: boolean;
  preDNAT: boolean;
  applyOnForward: boolean;
}

const spec = z.strictObject({
  ...commonShape,
  namespaceSelector: selector('namespaceSelector').optional(),
  doNotTrack: bool.default(false),
  preDNAT: bool.default(false),
  applyOnForward: bool.default(false),
});

export const globalNetworkPolicyKind = defineKind({
  kind: 'GlobalNetworkPolicy',
  checkName: policyName,
  spec,
  finish(p, _meta, f): GlobalNetworkPolicySpec {
    if (p.doNotTrack && p.preDNAT) {
      f.add('spec.preDNAT', 'cannot be true together with doNotTrack: untracked traffic never reaches DNAT');
    }
    if (p.preDNAT && p.egress.length > 0) {
      f.add('spec.egress', `a preDNAT policy applies to incoming traffic only; remove its ${p.egress.length} egress rule(s)`);
    }
    if (p.preDNAT && (p.types ?? []).includes('Egress')) {
      f.add('spec.types', 'a preDNAT policy cannot have type Egress');
    }
    if ((p.doNotTrack || p.preDNAT) && !p.applyOnForward) {
      f.add('spec.applyOnForward', `must be true when ${p.doNotTrack ? 'doNotTrack' : 'preDNAT'} is true`);
    }
    return finishCommon(p, f);
  },
});
