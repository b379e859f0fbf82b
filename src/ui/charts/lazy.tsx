// recharts is most of the page's JavaScript and no chart shows before a model is loaded:
// load the chart components on first use, so the drop zone appears sooner.
import React, { lazy, Suspense, type ComponentProps, type ComponentType } from 'react';

function deferred<P extends object>(load: () => Promise<ComponentType<P>>) {
  const Lazy = lazy(async () => ({ default: await load() }));
  return function DeferredChart(props: P) {
    return (
      <Suspense fallback={<div className="chart-loading" aria-busy="true">Loading chart…</div>}>
        <Lazy {...(props as P & React.JSX.IntrinsicAttributes)} />
      </Suspense>
    );
  };
}

export const ParamsChart = deferred<ComponentProps<typeof import('./ParamsChart').ParamsChart>>(async () => (await import('./ParamsChart')).ParamsChart);
export const ParetoChart = deferred<ComponentProps<typeof import('./ParetoChart').ParetoChart>>(async () => (await import('./ParetoChart')).ParetoChart);
export const StackedParamsBar = deferred<ComponentProps<typeof import('./StackedParamsBar').StackedParamsBar>>(
  async () => (await import('./StackedParamsBar')).StackedParamsBar,
);
