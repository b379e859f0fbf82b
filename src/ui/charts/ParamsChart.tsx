// Where the parameters are: one horizontal bar per group (embedding, LM head, attention, FFN, norms).
import { Bar, BarChart, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ParamBreakdown } from '../../engine/types';
import { formatCount, percent } from '../format';
import { PART_COLORS, PART_LABELS, PARTS } from './colors';

export function ParamsChart({ params }: { params: ParamBreakdown }) {
  const data = PARTS.map((k) => ({ key: k, name: PART_LABELS[k], value: params[k] }));
  return (
    <figure className="chart" aria-label="Parameters by group">
      <ResponsiveContainer width="100%" height={170}>
        <BarChart data={data} layout="vertical" margin={{ left: 8, right: 24, top: 4, bottom: 4 }}>
          <XAxis type="number" tickFormatter={(v: number) => formatCount(v)} fontSize={11} />
          <YAxis type="category" dataKey="name" width={82} fontSize={12} />
          <Tooltip formatter={(v) => [`${formatCount(Number(v))} (${percent(Number(v), params.total)})`, 'params']} />
          <Bar dataKey="value" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.key} fill={PART_COLORS[d.key]} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="muted">
        {data.map((d) => `${d.name} ${percent(d.value, params.total)}`).join(' · ')}
      </figcaption>
    </figure>
  );
}
