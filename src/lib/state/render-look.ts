/**
 * "Learn a look" and auto colour for the Render room, as plain async steps: each reads works
 * from the library and returns what the room adds to its stack (the room keeps the busy flags,
 * the error handling and the undo step).
 */
import { autoColorGains } from '../compute/render-client';
import { db } from '../db/instance';
import { getOriginalBlob, getWork } from '../db/works';
import type { Rgba } from './image-io';
import { lookCopy, newLayerId } from './render-work';
import { gainsToMatrix } from '../../shared/autocolor';
import type { StackEffect } from '../../shared/effects/types';
import { fitLook, matchedSamples, type LookFit } from '../../shared/render-room/fit-look';
import { labStats, reinhardSamples, rgbSamples } from '../../shared/render-room/reinhard';

/** A learned look, shown beside the stack. */
export interface LookResult {
  kind: 'pair' | 'reference';
  fit: LookFit;
  /** Names of the works used. */
  from: string;
}

/**
 * Fits a matrix and a tone curve taking `beforeId`'s image to `afterId`'s.
 * @throws LibraryError `not-found`
 */
export async function lookFromPair(beforeId: string, afterId: string): Promise<LookResult> {
  const [bw, aw] = await Promise.all([getWork(db, beforeId), getWork(db, afterId)]);
  const before = await lookCopy(await getOriginalBlob(db, beforeId));
  const after = await lookCopy(await getOriginalBlob(db, afterId), before);
  const fit = fitLook(matchedSamples(before, after), { sharedCurve: true });
  return { kind: 'pair', fit, from: `${bw.title} → ${aw.title}` };
}

/**
 * Fits the transfer of `referenceId`'s colour statistics (Reinhard, CIELAB) to `source`.
 * @throws LibraryError `not-found`
 */
export async function lookFromReference(source: Rgba, referenceId: string): Promise<LookResult> {
  const ref = await getWork(db, referenceId);
  const refImage = await lookCopy(await getOriginalBlob(db, referenceId));
  const samples = reinhardSamples(rgbSamples(source.data), labStats(rgbSamples(refImage.data)));
  const fit = fitLook(samples, { sharedCurve: true });
  return { kind: 'reference', fit, from: ref.title };
}

/**
 * Auto colour (the paper's network): the gains that remove `source`'s colour cast, as an
 * ordinary colour-matrix layer.
 */
export async function autoColorLayer(source: Rgba): Promise<StackEffect> {
  const { gains } = await autoColorGains(source);
  return {
    id: newLayerId(),
    effectId: 'matrix',
    enabled: true,
    params: { matrix: gainsToMatrix(gains) },
  };
}
