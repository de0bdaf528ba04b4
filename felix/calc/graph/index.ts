/** The incremental calculation and its output contract (events.ts). */
export * from './events.ts';
export * from './model.ts';
export { CalcGraph, type CalcGraphOptions } from './calc-graph.ts';
export { computeFromScratch, type CalcInput } from './from-scratch.ts';
