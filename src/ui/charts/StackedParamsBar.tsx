// The pruned model beside the original: stacked parameter groups, one bar each.
import { Bar, BarChart, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ParamBreakdown } from '../../engine/types';
import { formatCount } from '../format';
import { PART_COLORS, PART_LABELS, PARTS } from './colors';

export function StackedParamsBar({ original, pruned }: { original: ParamBreakdown; pruned: ParamBreakdown }) {
  const row = (name: string, p: ParamBreakdown) => ({ name, ...Object.fromEntries(PARTS.map((k) => [k, p[k]])) });
  const data = [row('Original', original), row('Pruned', pruned)];
  return (
    <figure className="chart" aria-label="Original and pruned parameters by group">
      <ResponsiveContainer width="100%" height={150}>
        <BarChart data={data} layout="vertical" margin={{ left: 8, right: 24, top: 4, bottom: 4 }}>
          <XAxis type="number" domain={[0, original.total]} tickFormatter={(v: number) => formatCount(v)} fontSize={11} />
          <YAxis type="category" dataKey="name" width={64} fontSize={12} />
          <Tooltip formatter={(v, n) => [formatCount(Number(v)), PART_LABELS[n as keyof typeof PART_LABELS] ?? String(n)]} />
          <Legend formatter={(v: string) => PART_LABELS[v as keyof typeof PART_LABELS] ?? v} wrapperStyle={{ fontSize: 12 }} />
          {PARTS.map((k) => (
            <Bar key={k} dataKey={k} stackId="p" fill={PART_COLORS[k]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
