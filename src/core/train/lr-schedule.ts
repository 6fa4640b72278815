/** Learning-rate schedule over the whole run, in optimizer steps. */
export type LrScheduleKind = 'constant' | 'cosine';

/**
 * Returns the learning rate for a step: constant, or cosine annealing from
 * `baseLr` to 0 over `totalSteps` (torch's CosineAnnealingLR with eta_min 0).
 */
export function learningRateAt(kind: LrScheduleKind, baseLr: number, step: number, totalSteps: number): number {
  if (kind === 'constant' || totalSteps <= 0) return baseLr;
  const progress = Math.min(1, Math.max(0, step / totalSteps));
  return 0.5 * baseLr * (1 + Math.cos(Math.PI * progress));
}
