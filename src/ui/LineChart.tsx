import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

interface LineChartProps {
  title: string;
  xLabel: string;
  x: number[];
  series: ChartSeries[];
  testId: string;
  width?: number;
  height?: number;
}

/**
 * Draws a live line chart with uPlot. The plot is created once per series
 * layout and then only receives new data, so hundreds of updates per minute
 * stay cheap.
 */
export function LineChart({ title, xLabel, x, series, testId, width = 420, height = 220 }: LineChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const layoutKey = series.map((s) => s.label).join('|');

  useEffect(() => {
    if (!containerRef.current) return;
    const options: uPlot.Options = {
      title,
      width,
      height,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, {}],
      series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true, size: 4 } }))],
    };
    const plot = new uPlot(options, [[], ...series.map(() => [])] as uPlot.AlignedData, containerRef.current);
    plotRef.current = plot;
    return () => {
      plot.destroy();
      plotRef.current = null;
    };
    // The plot is rebuilt only when the set of series changes; data arrives through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layoutKey, title, xLabel, width, height]);

  useEffect(() => {
    plotRef.current?.setData([x, ...series.map((s) => s.values.map((v) => (Number.isFinite(v) ? v : null)))] as uPlot.AlignedData);
  }, [x, series]);

  return <div className="chart" ref={containerRef} data-testid={testId} data-points={x.length} role="img" aria-label={`${title}: ${x.length} points`} />;
}
