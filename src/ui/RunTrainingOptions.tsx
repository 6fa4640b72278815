import type { TrainRequest } from '../worker-protocol';

/** Shows the augmentation, class balance and stain normalisation of a run, read from its saved request. */
export function RunTrainingOptions({ request }: { request: TrainRequest }) {
  const augment = request.augment;
  const transforms = augment
    ? [
        augment.flips && 'flips',
        augment.rotate90 && '90° rotations',
        augment.randomResizedCrop.enabled && `crop ≥ ${augment.randomResizedCrop.scale[0]}`,
        augment.colorJitter.enabled && 'colour jitter',
        augment.hedJitter.enabled && `HED jitter ${augment.hedJitter.strength}`,
      ].filter(Boolean)
    : [];
  const stain = request.stainNormalization;

  return (
    <p
      className="stats"
      data-testid="run-training-options"
      data-augment={augment ? 'on' : 'off'}
      data-stain={stain?.method ?? 'off'}
      data-class-balance={request.classBalance ?? 'none'}
    >
      augmentation: {augment ? transforms.join(', ') || 'no transform switched on' : 'off'} · class balance: {request.classBalance ?? 'none'} · stain
      normalisation: {stain ? `${stain.method}, reference ${stain.referencePath}` : 'off'}
    </p>
  );
}
