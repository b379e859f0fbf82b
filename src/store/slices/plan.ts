// Plan slice: the sliders (V', I') and the parameter/byte totals the engine plans for them.
import type { PlanSummary, PruneRequest } from '../../engine/types';
import type { StoreContext } from '../context';
import type { StudioActions, StudioData, StudioState } from '../types';

export function planData(): Pick<StudioData, 'plan'> {
  return { plan: { original: null, current: null } };
}

/** The sliders as a request, once both are set. */
export function sliderRequest(s: StudioState): PruneRequest | null {
  const { vocabKeep, ffnKeep } = s.settings.sliders;
  return vocabKeep != null && ffnKeep != null ? { vocabKeep, ffnKeep } : null;
}

export function planFor(plan: PlanSummary | null, req: PruneRequest): PlanSummary | null {
  return plan && plan.vocabKeep === req.vocabKeep && plan.ffnKeep === req.ffnKeep ? plan : null;
}

export interface Planner {
  /** Plans the sliders again (and the original, when the vocabulary options changed). */
  refresh(withOriginal?: boolean): Promise<void>;
}

export function createPlanner(ctx: StoreContext): Planner {
  const { set, get } = ctx;
  // Slider moves fire plans quickly; only the latest answer lands.
  let ticket = 0;
  return {
    async refresh(withOriginal = false) {
      const req = sliderRequest(get());
      const summary = get().model.summary;
      if (!req || !summary || !get().calibration.result) return;
      const t = ++ticket;
      try {
        const c = ctx.client();
        const original = withOriginal ? await c.call('plan', { vocabKeep: summary.vocabSize, ffnKeep: summary.intermediate }) : null;
        const current = await c.call('plan', req);
        if (t === ticket) set((s) => ({ plan: { original: original ?? s.plan.original, current } }));
      } catch (e) {
        if (t === ticket) ctx.fail(e);
      }
    },
  };
}

export function planSlice(ctx: StoreContext, planner: Planner): Pick<StudioActions, 'setSliders'> {
  return {
    async setSliders(patch) {
      const label = ctx.get().model.summary?.label;
      ctx.set((s) => ({ settings: { ...s.settings, sliders: { ...s.settings.sliders, ...patch, forModel: label ?? s.settings.sliders.forModel } } }));
      await planner.refresh();
    },
  };
}
