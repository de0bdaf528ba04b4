/**
 * The resource model: kinds, validation and normalisation. Everything that
 * reaches a datastore has passed `validateResource` (one document) and
 * `validateAgainst` (rules across objects, e.g. overlapping pools).
 *
 * Pieces:
 *   resource.ts        the envelope every kind shares (Resource, ObjectMeta, keys)
 *   validate.ts        validateResource: envelope + metadata, then the kind's spec
 *   kinds/*.ts         one file per kind: spec type, zod schema, cross-field checks
 *   fields.ts          shared field checks (AS numbers, CIDRs, ports, protocols...)
 *   schema.ts          the zod glue: hand-written field checks, issues -> Findings
 *   net.ts             address/prefix parsing on bigint (both families)
 *   selector-syntax.ts light selector syntax check (the real parser is felix/calc's)
 *   cross.ts           validateAgainst: pool overlaps, duplicate BGP sessions
 *   api-groups.ts      (apiVersion, kind) -> stored kind; how Kubernetes' kinds print
 *   aliases.ts         resolveKind: calicoctl's kind aliases
 *   columns.ts         `reefctl get` table columns
 *
 * Kubernetes' own kinds (KubernetesNetworkPolicy, i.e. networking.k8s.io/v1
 * NetworkPolicy, and v1 Namespace) keep Kubernetes' apiVersion and fields.
 *
 * Canonical form: apiVersion reef.dev/v1, Calico v3 field names, defaults
 * filled (see each kind), values normalised (AS numbers as numbers, addresses
 * in RFC 5952 text, protocol names in Calico's spelling), namespaced kinds
 * with metadata.namespace set. validateResource is idempotent on its output.
 */
export * from './resource.ts';
export { ValidationError, type Finding } from './findings.ts';
export { validateResource, KIND_DEFS, API_VERSIONS, DEFAULT_NAMESPACE } from './validate.ts';
export { validateAgainst } from './cross.ts';
export { resolveKind, aliasesOf } from './aliases.ts';
export {
  KUBERNETES_KINDS,
  apiVersionsOf,
  canonicalApiVersion,
  documentKindOf,
  listDocument,
  routeDocument,
  toDocument,
  type ResourceDocument,
} from './api-groups.ts';
export { tableColumns, type Column } from './columns.ts';
export { checkSelector, type SelectorProblem } from './selector-syntax.ts';
export { parseASN, parsePort, type Port, type Protocol, type ProtocolName, PROTOCOL_NAMES, PROTOCOL_NUMBERS, protocolNumber } from './fields.ts';
export * as net from './net.ts';

export type { IPPoolSpec, EncapMode, AllowedUse } from './kinds/ippool.ts';
export type { BGPConfigurationSpec, LogSeverity, Community, PrefixAdvertisement, ServiceCIDR } from './kinds/bgpconfiguration.ts';
export { DEFAULT_AS_NUMBER, DEFAULT_BGP_PORT } from './kinds/bgpconfiguration.ts';
export type { BGPPeerSpec } from './kinds/bgppeer.ts';
export { peerEndpoint } from './kinds/bgppeer.ts';
export type { NodeSpec, NodeBGPSpec, OrchRef, NodeAddress } from './kinds/node.ts';
export type { WorkloadEndpointSpec, WorkloadEndpointPort, IPNAT } from './kinds/workloadendpoint.ts';
export type { Rule, EntityRule, ICMPFields, Action, ServiceAccountMatch } from './kinds/rule.ts';
export type { PolicyType, PolicySpecCommon } from './kinds/policy-common.ts';
export { defaultTypes } from './kinds/policy-common.ts';
export type { NetworkPolicySpec } from './kinds/networkpolicy.ts';
export type { GlobalNetworkPolicySpec } from './kinds/globalnetworkpolicy.ts';
export type {
  KubernetesNetworkPolicySpec,
  KubernetesNetworkPolicyPeer,
  KubernetesNetworkPolicyPort,
} from './kinds/kubernetesnetworkpolicy.ts';
export type { LabelSelector, LabelSelectorRequirement } from './kinds/label-selector.ts';
export { formatSelector } from './kinds/label-selector.ts';
export type { NamespaceSpec } from './kinds/namespace.ts';
export type { IPReservationSpec } from './kinds/ipreservation.ts';
export type { SecretKeyRef } from './fields.ts';
