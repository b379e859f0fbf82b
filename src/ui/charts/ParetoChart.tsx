// Sweep results: params vs held-out bits per byte; the Pareto front joined, the best marked.
// Clicking a point (or its row in the list below the chart) sets the sliders.
import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { SweepPoint } from '../../engine/types';
import { formatCount } from '../format';

interface Props {
  points: SweepPoint[];
  front: SweepPoint[];
  best: SweepPoint | null;
  targetParams: number | null;
  onPick: (p: SweepPoint) => void;
}

export function ParetoChart({ points, front, best, targetParams, onPick }: Props) {
  const others = points.filter((p) => !front.includes(p));
  const pick = (_: unknown, index: number, list: SweepPoint[]) => {
    const p = list[index];
    if (p) onPick(p);
  };
  return (
    <figure className="chart" aria-label="Pareto front: parameters against bits per byte">
      <ResponsiveContainer width="100%" height={260}>
        <ScatterChart margin={{ left: 8, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ea" />
          <XAxis type="number" dataKey="params" name="params" domain={['auto', 'auto']} tickFormatter={(v: number) => formatCount(v)} fontSize={11} />
          <YAxis type="number" dataKey="bits_per_byte" name="bits per byte" domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(2)} fontSize={11} width={48} />
          <Tooltip
            cursor={{ strokeDasharray: '3 3' }}
            formatter={(v, n) => (n === 'params' ? formatCount(Number(v)) : Number(v).toFixed(4))}
          />
          {targetParams != null && <ReferenceLine x={targetParams} stroke="#999" strokeDasharray="4 4" label={{ value: 'target', fontSize: 11, position: 'insideTopLeft' }} />}
          <Scatter name="other splits" data={others} fill="#b8c2cc" onClick={(d, i) => pick(d, i, others)} cursor="pointer" isAnimationActive={false} />
          <Scatter name="Pareto front" data={front} fill="#2f6fbd" line={{ stroke: '#2f6fbd' }} onClick={(d, i) => pick(d, i, front)} cursor="pointer" isAnimationActive={false} />
          {best && <Scatter name="best" data={[best]} fill="#d1495b" shape="star" legendType="star" onClick={() => onPick(best)} cursor="pointer" isAnimationActive={false} />}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}
