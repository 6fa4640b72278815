import { useEffect, useState } from 'react';

import type { SaliencyMap } from '../../saliency-protocol';
import { useClipStore } from '../../state/clip-store';
import type { DatasetImage } from '../../state/dataset-store';
import { requestAttentionRollout, requestGradCam } from '../../state/saliency-requests';
import { percent } from '../format';
import { SaliencyOverlay } from './SaliencyOverlay';

/** One test tile in a gallery, with the image it came from when that image is loaded. */
export interface GalleryTile {
  /** Index of the tile in the run's image list. */
  index: number;
  path: string | null;
  image: DatasetImage | null;
  trueLabel: number;
  predictedLabel: number;
  /** Probability of the predicted class. */
  confidence: number;
}

/** Overlay drawn on the tiles: none, Grad-CAM of the run's CNN, or attention rollout of the loaded CLIP's ViT. */
type OverlayKind = 'none' | 'grad-cam' | 'attention-rollout';

/** Maximum tiles drawn per gallery, so a large confusion cell does not decode hundreds of thumbnails at once. */
const MAX_TILES = 48;

/** Renders test tiles with their true and predicted class and confidence, and an optional saliency overlay. */
export function TileGallery({
  title,
  testId,
  tiles,
  classNames,
  saliencyRunId,
  emptyMessage,
}: {
  title: string;
  testId: string;
  tiles: GalleryTile[];
  classNames: string[];
  /** Run whose stored weights give the Grad-CAM maps; null hides that overlay. */
  saliencyRunId: string | null;
  emptyMessage: string;
}) {
  const clipName = useClipStore((s) => (s.summary ? s.name : null));
  const [overlay, setOverlay] = useState<OverlayKind>('none');
  const [opacity, setOpacity] = useState(0.6);
  const shown = tiles.slice(0, MAX_TILES);
  const source: OverlaySource | null =
    overlay === 'grad-cam' && saliencyRunId ? { kind: 'grad-cam', runId: saliencyRunId } : overlay === 'attention-rollout' && clipName ? { kind: 'attention-rollout', clipName } : null;

  return (
    <section className="tile-gallery" data-testid={testId} data-count={tiles.length} aria-label={title}>
      <header>
        <h3>{title}</h3>
        {(saliencyRunId || clipName) && tiles.length > 0 && (
          <div className="saliency-controls">
            <label className="inline" title="Grad-CAM explains the run's CNN on its predicted class; attention rollout shows where the loaded CLIP's ViT looks, for any class.">
              overlay
              <select value={overlay} onChange={(e) => setOverlay(e.target.value as OverlayKind)} data-testid={`${testId}-saliency-method`}>
                <option value="none">none</option>
                {saliencyRunId && <option value="grad-cam">Grad-CAM</option>}
                {clipName && <option value="attention-rollout">attention rollout ({clipName})</option>}
              </select>
            </label>
            <label className="inline" title="Opacity of the overlay">
              opacity
              <input type="range" min={0} max={1} step={0.05} value={opacity} disabled={!source} onChange={(e) => setOpacity(Number(e.target.value))} data-testid={`${testId}-saliency-opacity`} />
            </label>
          </div>
        )}
      </header>
      {tiles.length === 0 && <p className="hint">{emptyMessage}</p>}
      {tiles.length > shown.length && <p className="hint">Showing the {shown.length} most confident of {tiles.length} tiles.</p>}
      <div className="tile-grid">
        {shown.map((tile) => (
          <GalleryTileView key={tile.index} tile={tile} classNames={classNames} source={source} opacity={opacity} />
        ))}
      </div>
    </section>
  );
}

type OverlaySource = { kind: 'grad-cam'; runId: string } | { kind: 'attention-rollout'; clipName: string };

function requestMap(source: OverlaySource, image: DatasetImage): Promise<SaliencyMap> {
  return source.kind === 'grad-cam' ? requestGradCam(source.runId, image.file, image.path) : requestAttentionRollout(source.clipName, image.file, image.path);
}

function GalleryTileView({ tile, classNames, source, opacity }: { tile: GalleryTile; classNames: string[]; source: OverlaySource | null; opacity: number }) {
  const [map, setMap] = useState<SaliencyMap | null>(null);
  const [error, setError] = useState<string | null>(null);
  const name = tile.path?.split('/').pop() ?? `image ${tile.index}`;
  const correct = tile.trueLabel === tile.predictedLabel;
  const sourceKey = source ? JSON.stringify(source) : null;

  useEffect(() => {
    setMap(null);
    setError(null);
    if (!source || !tile.image) return;

    let cancelled = false;
    requestMap(source, tile.image).then(
      (result) => !cancelled && setMap(result),
      (reason: unknown) => !cancelled && setError(reason instanceof Error ? reason.message : String(reason)),
    );
    return () => {
      cancelled = true;
    };
    // The source object is rebuilt on every render, but its JSON key changes only when the source does.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sourceKey, tile.image]);

  return (
    <figure
      className={correct ? 'gallery-tile' : 'gallery-tile wrong'}
      data-testid="gallery-tile"
      data-path={tile.path ?? ''}
      data-index={tile.index}
      data-true={tile.trueLabel}
      data-predicted={tile.predictedLabel}
    >
      <div className="tile-image">
        {tile.image ? <img src={tile.image.thumbnailUrl} alt={name} /> : <span className="hint">image not loaded</span>}
        {source && map && <SaliencyOverlay map={map} opacity={opacity} />}
      </div>
      <figcaption>
        <span className="tile-name" title={tile.path ?? undefined}>
          {name}
        </span>
        <span>
          {classNames[tile.trueLabel]} → {classNames[tile.predictedLabel]}
        </span>
        <span data-testid="tile-confidence">{percent(tile.confidence)}</span>
        {source && error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
