// The loaded model at a glance: architecture numbers, files, where the parameters are, and
// whether it runs resident or streamed (and why).
import { useStudio } from '../store';
import { ParamsChart } from './charts/lazy';
import { formatBytes, formatCount } from './format';
import { PlacementInfoPanel } from './Placement';

export function ModelCard() {
  const summary = useStudio((s) => s.model.summary);
  const lost = useStudio((s) => s.model.status === 'lost');
  if (!summary) return null;
  const rows: [string, string][] = [
    ['Family', `${summary.family} (${summary.modelType})`],
    ['Layers', String(summary.layers)],
    ['Hidden', String(summary.hidden)],
    ['Heads', `${summary.heads} query / ${summary.kvHeads} kv · head dim ${summary.headDim}`],
    ['Vocabulary', summary.vocabSize.toLocaleString('en-US')],
    ['FFN', summary.intermediate.toLocaleString('en-US')],
    ['Embeddings', summary.tiedEmbeddings ? 'tied to LM head' : 'separate LM head'],
    ['Dtype', summary.dtypes.join(', ')],
    ['Parameters', formatCount(summary.params.total)],
    ['Weights on disk', formatBytes(summary.weightBytes)],
  ];
  return (
    <section className="card" data-testid="model-card" aria-labelledby="model-title">
      <h2 id="model-title" data-testid="model-title">
        {summary.label} {lost && <span className="badge warn">GPU lost - reload</span>}
      </h2>
      <div className="grid-2">
        <dl className="facts">
          {rows.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        <ParamsChart params={summary.params} />
      </div>
      <PlacementInfoPanel placement={summary.placement} />
      <details>
        <summary>{summary.files.length} files</summary>
        <ul className="files">
          {summary.files.map((f) => (
            <li key={f.name}>
              <span>{f.name}</span> <span className="muted">{formatBytes(f.size)}</span>
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
