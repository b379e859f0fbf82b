// Where the model runs and why: resident (every weight on the GPU) or streamed (layer by
// layer under the budget), with a meter of what each mode needs against the budget.
import type { Placement as PlacementInfo } from '../engine/types';
import { formatBytes } from './format';

const bytes = (n: number) => (Number.isFinite(n) ? formatBytes(n) : 'no limit');

function Meter({ p }: { p: PlacementInfo }) {
  const finite = Number.isFinite(p.budgetBytes);
  const scale = Math.max(p.residentNeedBytes, p.streamedNeedBytes, finite ? p.budgetBytes : 0) * 1.05 || 1;
  const pct = (n: number) => `${Math.min(100, (100 * n) / scale).toFixed(2)}%`;
  const rows: [string, number, boolean][] = [
    ['Resident needs', p.residentNeedBytes, p.mode === 'resident'],
    ['Streamed holds at most', p.streamedNeedBytes, p.mode === 'streamed'],
  ];
  return (
    <figure className="meter" aria-label={`Resident needs ${bytes(p.residentNeedBytes)}, streamed holds at most ${bytes(p.streamedNeedBytes)}, budget ${bytes(p.budgetBytes)}`}>
      {rows.map(([name, n, chosen]) => (
        <div className="meter-row" key={name}>
          <span className="meter-label">{name}</span>
          <div className="meter-track">
            <div className={`meter-bar${chosen ? ' chosen' : ''}${finite && n > p.budgetBytes ? ' over' : ''}`} style={{ width: pct(n) }} />
            {finite && <div className="meter-budget" style={{ left: pct(p.budgetBytes) }} title={`budget ${bytes(p.budgetBytes)}`} />}
          </div>
          <span className="meter-value">{bytes(n)}</span>
        </div>
      ))}
      <figcaption className="muted small">
        {finite ? <>Dashed line: the budget, {bytes(p.budgetBytes)} ({p.budgetSource}).</> : <>No budget limit ({p.budgetSource}).</>}
      </figcaption>
    </figure>
  );
}

export function PlacementInfoPanel({ placement: p }: { placement: PlacementInfo }) {
  const streamed = p.mode === 'streamed';
  return (
    <div
      className={`placement${streamed ? ' streamed' : ''}`}
      data-testid="placement"
      data-mode={p.mode}
      data-resident-need={p.residentNeedBytes}
      data-streamed-need={p.streamedNeedBytes}
      data-budget={p.budgetBytes}
    >
      <p>
        <strong>{streamed ? 'Runs streamed, layer by layer' : 'Runs resident on the GPU'}</strong>: {p.reason}
        {p.reason.endsWith('.') ? '' : '.'}
      </p>
      {streamed && p.unavailable.length > 0 && (
        <p className="small" data-testid="placement-unavailable">
          Needs the model resident, so not offered now: {p.unavailable.join(', ')}. Raise the GPU memory budget above {bytes(p.residentNeedBytes)} to get them.
        </p>
      )}
      <Meter p={p} />
    </div>
  );
}
