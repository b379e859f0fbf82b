// Sweep slice: the engine's automatic allocation (engine/target.ts) for a parameter budget:
// (V', I') splits x vocabulary orders, ranked on the held-out text; the engine names the best.
import type { StoreContext } from '../context';
import type { StudioActions, StudioData } from '../types';

export const HELDOUT_TEXT = 'heldout-default.txt';

export function sweepData(): Pick<StudioData, 'sweep'> {
  return { sweep: { status: 'idle', progress: null, targetParams: null, points: [], best: null, mode: null, forOptions: null, forCalibration: 0 } };
}

export function sweepSlice(ctx: StoreContext): Pick<StudioActions, 'findBestSplit'> {
  const { set, get } = ctx;
  return {
    async findBestSplit() {
      const original = get().plan.original;
      if (!original) return;
      const targetParams = Math.round(original.params.total * get().settings.targetFraction);
      await ctx.longCall({
        operation: 'sweep',
        start: () => set((s) => ({ sweep: { ...s.sweep, status: 'running', progress: null, targetParams, points: [], best: null, mode: null } })),
        run: async (signal) => {
          const heldOut = await ctx.builtIn(HELDOUT_TEXT);
          const { engineOptions: forOptions, run: forCalibration } = get().calibration;
          const onProgress = ctx.tracker((progress) => set((s) => ({ sweep: { ...s.sweep, progress } })));
          const { points, best, mode } = await ctx.client().call('sweep', { targetParams, heldOut, opts: get().settings.eval }, onProgress, signal);
          set((s) => ({ sweep: { ...s.sweep, status: 'done', progress: null, points, best, mode, forOptions, forCalibration } }));
        },
        cancelled: () => set((s) => ({ sweep: { ...s.sweep, status: 'idle', progress: null } })),
        failed: () => set((s) => ({ sweep: { ...s.sweep, status: 'failed' } })),
      });
    },
  };
}
