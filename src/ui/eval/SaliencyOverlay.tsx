import { useEffect, useRef } from 'react';

import type { SaliencyMap } from '../../saliency-protocol';

/**
 * Draws a saliency map over a tile: relevance from 0 to 1 runs from
 * transparent blue through yellow to opaque red, so irrelevant regions leave the tissue visible. The canvas has the map's own
 * resolution and CSS stretches it over the thumbnail.
 */
export function SaliencyOverlay({ map, opacity }: { map: SaliencyMap; opacity: number }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const context = canvasRef.current?.getContext('2d');
    if (!context) return;

    const image = context.createImageData(map.width, map.height);
    for (let i = 0; i < map.values.length; i++) {
      const [r, g, b] = heatColour(map.values[i]);
      image.data[i * 4] = r;
      image.data[i * 4 + 1] = g;
      image.data[i * 4 + 2] = b;
      image.data[i * 4 + 3] = Math.round(255 * Math.max(0, Math.min(1, map.values[i])));
    }
    context.putImageData(image, 0, 0);
  }, [map]);

  const label = map.method === 'grad-cam' ? 'Grad-CAM' : 'attention rollout';
  return (
    <canvas
      ref={canvasRef}
      className="saliency-overlay"
      width={map.width}
      height={map.height}
      style={{ opacity }}
      data-testid="saliency-overlay"
      data-method={map.method}
      role="img"
      aria-label={`${label} map`}
    />
  );
}

/** Blue (0) to yellow (0.5) to red (1). */
function heatColour(value: number): [number, number, number] {
  const v = Math.max(0, Math.min(1, value));
  if (v < 0.5) {
    const t = v / 0.5;
    return [Math.round(255 * t), Math.round(255 * t), Math.round(255 * (1 - t))];
  }
  const t = (v - 0.5) / 0.5;
  return [255, Math.round(255 * (1 - t)), 0];
}
