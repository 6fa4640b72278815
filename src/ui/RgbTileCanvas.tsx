import { useEffect, useRef } from 'react';

import type { PreviewTile } from '../augment-protocol';

/** Draws an RGB uint8 tile at model input size, scaled up without smoothing so each pixel the model receives stays visible. */
export function RgbTileCanvas({ tile, scale = 2, label }: { tile: PreviewTile; scale?: number; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const image = context.createImageData(tile.size, tile.size);
    for (let p = 0; p < tile.size * tile.size; p++) {
      image.data[4 * p] = tile.rgb[3 * p];
      image.data[4 * p + 1] = tile.rgb[3 * p + 1];
      image.data[4 * p + 2] = tile.rgb[3 * p + 2];
      image.data[4 * p + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }, [tile]);

  return (
    <canvas
      ref={canvas}
      className="rgb-tile"
      width={tile.size}
      height={tile.size}
      style={{ width: tile.size * scale, height: tile.size * scale }}
      role="img"
      aria-label={label}
    />
  );
}
