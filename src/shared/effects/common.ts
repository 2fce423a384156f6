/** Small helpers shared by the effect definitions. */
import type { ResolvedParams } from './types';

/** A number param (resolved params hold every key). */
export const num = (p: ResolvedParams, key: string): number => p[key] as number;

/** Rec. 709 luma weights. */
export const LUMA = [0.2126, 0.7152, 0.0722];
