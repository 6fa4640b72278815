import type { ReactNode } from 'react';

/** Plot area in pixels: a square for values in [0, 1] on both axes, with room for ticks and axis labels. */
const SIZE = 240;
const LEFT = 44;
const TOP = 10;
const BOTTOM = 40;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

export function toX(value: number): number {
  return LEFT + value * SIZE;
}

export function toY(value: number): number {
  return TOP + (1 - value) * SIZE;
}

/** Renders an SVG plot of [0, 1] x [0, 1] with a frame, ticks, axis labels and the dashed diagonal. Children draw the data. */
export function UnitSquarePlot({ xLabel, yLabel, ariaLabel, children }: { xLabel: string; yLabel: string; ariaLabel: string; children: ReactNode }) {
  const middle = toY(0.5);
  return (
    <svg width={LEFT + SIZE + 12} height={TOP + SIZE + BOTTOM} role="img" aria-label={ariaLabel}>
      <rect x={toX(0)} y={toY(1)} width={SIZE} height={SIZE} className="plot-frame" />
      {TICKS.map((tick) => (
        <g key={tick} className="tick">
          <line x1={toX(tick)} x2={toX(tick)} y1={toY(0)} y2={toY(0) + 4} />
          <text x={toX(tick)} y={toY(0) + 15} textAnchor="middle">
            {tick}
          </text>
          <line x1={toX(0) - 4} x2={toX(0)} y1={toY(tick)} y2={toY(tick)} />
          <text x={toX(0) - 6} y={toY(tick) + 4} textAnchor="end">
            {tick}
          </text>
        </g>
      ))}
      <line x1={toX(0)} y1={toY(0)} x2={toX(1)} y2={toY(1)} className="chance-line" />
      {children}
      <text x={toX(0.5)} y={toY(0) + 33} textAnchor="middle" className="axis-label">
        {xLabel}
      </text>
      <text x={10} y={middle} textAnchor="middle" className="axis-label" transform={`rotate(-90 10 ${middle})`}>
        {yLabel}
      </text>
    </svg>
  );
}
