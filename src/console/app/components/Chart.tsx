// A time-series chart (uPlot). The wrapper carries data-points / data-latest so tests and people can read the newest
// value without looking at pixels.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Marker { t: number; label: string; color?: string }

const COLORS = ['#0972d3', '#ec7211', '#037f0c', '#8456ce', '#d13212', '#5f6b7a'];

export function TimeChart(props: {
  title: string;
  testId: string;
  x: number[];
  ys: (number | null)[][];
  labels: string[];
  /** Draw steps instead of lines (capacities). */
  stepped?: boolean;
  bars?: boolean;
  markers?: Marker[];
  unit?: string;
  height?: number;
  /** Time axis as dates (days) instead of times. */
  days?: boolean;
  /** Series drawn dashed (so that a line lying on another stays visible). */
  dashed?: string[];
  /** The time window to show (seconds); default: the data's own extent. */
  xRange?: [number, number];
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const markers = useRef<Marker[]>([]);
  markers.current = props.markers ?? [];
  const xRange = useRef<[number, number] | undefined>(undefined);
  xRange.current = props.xRange;
  const shape = `${props.labels.join('|')}|${props.stepped}|${props.bars}|${props.days}`;

  useEffect(() => {
    const el = box.current!;
    const paths = props.bars ? uPlot.paths.bars!({ size: [0.6, 40] }) : props.stepped ? uPlot.paths.stepped!({ align: 1 }) : undefined;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => xRange.current ?? (min === max || min === null ? [(min ?? 0) - 60, (max ?? 0) + 60] : [min, max]) },
        y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.1)] },
      },
      axes: [
        { stroke: '#5f6b7a', grid: { stroke: '#e9ebed' }, values: props.days ? (_u, v) => v.map((s) => new Date(s * 1000).toISOString().slice(5, 10)) : undefined },
        { stroke: '#5f6b7a', grid: { stroke: '#e9ebed' }, size: 56 },
      ],
      series: [
        {},
        ...props.labels.map((label, i) => ({
          label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: !props.bars, points: { show: false }, dash: props.dashed?.includes(label) ? [6, 4] : undefined,
          fill: props.bars ? COLORS[i % COLORS.length] + '99' : undefined, paths,
        })),
      ],
      hooks: {
        draw: [(u: uPlot) => {
          const ctx = u.ctx;
          const { top, height } = u.bbox;
          ctx.save();
          ctx.font = `${11 * devicePixelRatio}px sans-serif`;
          for (const m of markers.current) {
            const x = u.valToPos(m.t, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = m.color ?? '#d13212';
            ctx.fillStyle = m.color ?? '#d13212';
            ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.fillText(m.label.slice(0, 24), x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
          }
          ctx.restore();
        }],
      },
    };
    plot.current = new uPlot(opts, [props.x, ...props.ys] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 180 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([props.x, ...props.ys] as uPlot.AlignedData);
  }, [props.x, props.ys, props.markers, props.xRange?.[0], props.xRange?.[1]]);

  const latest = props.ys.map((row) => {
    for (let i = row.length - 1; i >= 0; i--) if (row[i] !== null && row[i] !== undefined) return row[i]!;
    return null;
  });
  const max = props.ys.map((row) => row.reduce<number | null>((m, v) => (v === null || v === undefined ? m : m === null ? v : Math.max(m, v)), null));
  const points = props.ys.reduce((n, row) => n + row.filter((v) => v !== null).length, 0);
  return (
    <figure className="chart" data-testid={props.testId} data-points={points} data-latest={latest.map((v) => (v === null ? '' : round(v))).join(',')}
      data-max={max.map((v) => (v === null ? '' : round(v))).join(',')} data-markers={props.markers?.length ?? 0}>
      <figcaption>
        {props.title}
        <span className="latest">
          {props.labels.map((l, i) => (latest[i] === null ? null : <span key={l}>{l}: <b>{round(latest[i]!)}{props.unit ?? ''}</b></span>))}
        </span>
      </figcaption>
      <div ref={box} className="plot" />
      {points === 0 && <div className="nodata">No datapoints in this range yet</div>}
    </figure>
  );
}

export function round(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}
