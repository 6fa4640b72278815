import { useState } from 'react';

import type { DatasetImage } from '../state/dataset-store';

const CELL = 76;
const COLUMNS = 6;
const VISIBLE_ROWS = 4;

/**
 * Renders a virtualised thumbnail grid. Only the rows in view (plus one above
 * and below) are in the DOM, so 20,000 tiles scroll as smoothly as 20.
 */
export function ThumbnailGrid({ images, classNames }: { images: DatasetImage[]; classNames: string[] }) {
  const [scrollTop, setScrollTop] = useState(0);
  const rows = Math.ceil(images.length / COLUMNS);
  const firstRow = Math.max(0, Math.floor(scrollTop / CELL) - 1);
  const lastRow = Math.min(rows, firstRow + VISIBLE_ROWS + 3);
  const visible = images.slice(firstRow * COLUMNS, lastRow * COLUMNS);

  return (
    <div
      className="thumbnail-grid"
      style={{ height: Math.min(rows, VISIBLE_ROWS) * CELL + 4 }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      data-testid="thumbnail-grid"
      tabIndex={0}
      aria-label={`${images.length} thumbnails`}
    >
      <div style={{ height: rows * CELL, position: 'relative' }}>
        {visible.map((image, i) => {
          const index = firstRow * COLUMNS + i;
          return (
            <figure
              key={image.path}
              className="thumbnail"
              style={{ top: Math.floor(index / COLUMNS) * CELL, left: (index % COLUMNS) * CELL, width: CELL - 4, height: CELL - 4 }}
              title={`${image.path}\n${classNames[image.label]} · ${image.width}x${image.height}`}
            >
              <img src={image.thumbnailUrl} alt={image.path} loading="lazy" />
            </figure>
          );
        })}
      </div>
    </div>
  );
}
