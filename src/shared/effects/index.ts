/**
 * The render engine's shared surface for the UI and the worker: the stack type, effect
 * definitions (for building controls: params with type, range, default, step) and the registry.
 * See ./types for the stack format and ./defs for the colour-space and edge rules.
 */
export type {
  EffectStack,
  StackEffect,
  ParamDef,
  NumberParamDef,
  ArrayParamDef,
  ColourSpace,
  EffectKind,
} from './types';
export { CLASSIC_EFFECTS, blurRadius } from './defs';
export type { ClassicEffectDef, PointEffectDef, AreaEffectDef } from './defs';
export {
  EFFECTS,
  NEURAL_PREFIX,
  findEffect,
  layer,
  layoutStack,
  neuralEffect,
  neuralEffectId,
  resolveParams,
} from './registry';
export type { EffectDef, NeuralEffectDef, StackLayout } from './registry';
export { curveLut } from './curve';
