/** Calculated state -> iptables chains and ipset specs, as data. */
export * from './types.ts';
export * from './names.ts';
export * from './marks.ts';
export { chainLines, ruleArgs, matchArgs, actionArgs } from './args.ts';
export { render, renderFilter, renderIpSets, memberFamily, type RenderOptions } from './render.ts';
export { renderPolicyChain } from './policy-chain.ts';
export { renderEndpointChain, renderDispatchChains, renderForwardChain } from './endpoint-chains.ts';
