// Preview slice: original vs pruned on held-out text. Each number lands as soon as it is ready:
// bits per byte (both), then GPU memory, then prefill/decode speed (both), then the greedy
// continuations, streamed token by token. Cancellable throughout (every call carries the signal).
// Measures that need the whole model resident are skipped, with why, when it runs streamed.
import { formatByteSize } from '../../engine/byte-size';
import type { EvalOptions, GpuMemory, PlanSummary, Placement, PruneRequest } from '../../engine/types';
import { isCancelled } from '../../worker/client';
import type { StoreContext } from '../context';
import { asWorkerError } from '../context';
import { planFor, sliderRequest } from './plan';
import { HELDOUT_TEXT } from './sweep';
import type { SideResult, StudioActions, StudioData } from '../types';

export function previewData(): Pick<StudioData, 'preview'> {
  return {
    preview: {
      status: 'idle', step: '', progress: null, forRequest: null, forOptions: null, forCalibration: 0, evalOptions: null, prompt: '', maxNewTokens: 0,
      original: null, pruned: null, memory: null,
    },
  };
}

/**
 * What a streamed placement cannot measure: placement.unavailable names them ("decode latency",
 * "generation"; "prefill latency" would skip the speed call entirely).
 */
export function residentOnly(placement: Placement | undefined): SideResult['skipped'] {
  if (!placement || placement.mode === 'resident' || placement.unavailable.length === 0) return {};
  const why = `Needs the whole model on the GPU; it runs streamed under ${formatByteSize(placement.budgetBytes)} (${placement.budgetSource}).`;
  const has = (re: RegExp) => placement.unavailable.some((u) => re.test(u));
  const out: SideResult['skipped'] = {};
  if (has(/prefill/i)) out.latency = why;
  if (has(/decode/i)) out.decode = why;
  if (has(/generat|continu/i)) out.continuation = why;
  return out;
}

function emptySide(plan: PlanSummary, skipped: SideResult['skipped']): SideResult {
  return { eval: null, latency: null, continuation: null, continuationDone: false, weightBytes: plan.gpuBytes, params: plan.params.total, skipped };
}

/** Every measure of the side is in (or was skipped for a stated reason). */
function complete(r: SideResult | null): r is SideResult {
  return !!r && r.eval != null && (r.latency != null || !!r.skipped.latency) && (r.continuationDone || !!r.skipped.continuation);
}

const measured = (r: SideResult | null) => (r?.eval ? r : null);

const sameEval = (a: EvalOptions | null, b: EvalOptions) => !!a && a.tokens === b.tokens && a.seq === b.seq && !!a.bos === !!b.bos;

type Side = 'original' | 'pruned';

export function previewSlice(ctx: StoreContext): Pick<StudioActions, 'runPreview'> {
  const { set, get } = ctx;
  return {
    async runPreview() {
      const req = sliderRequest(get());
      const { original: origPlan, current } = get().plan;
      if (!req || !origPlan) return;
      const { eval: evalOptions, prompt, maxNewTokens } = get().settings;
      const prev = get().preview;
      const skipped = residentOnly(get().model.summary?.placement);
      const step = (name: string) => set((s) => ({ preview: { ...s.preview, step: name, progress: null } }));
      const onProgress = () => ctx.tracker((progress) => set((s) => ({ preview: { ...s.preview, progress } })));
      const patch = (side: Side, p: Partial<SideResult>) => set((s) => ({ preview: { ...s.preview, [side]: { ...s.preview[side]!, ...p } } }));

      await ctx.longCall({
        operation: 'preview',
        start: () => set((s) => ({ preview: { ...s.preview, status: 'running', step: 'starting', pruned: null } })),
        run: async (signal) => {
          const c = ctx.client();
          const heldOut = await ctx.builtIn(HELDOUT_TEXT);
          const plan = planFor(current, req) ?? (await c.call('plan', req, undefined, signal));
          // The original's numbers depend only on the eval settings and the prompt: reuse them.
          const reuse = complete(prev.original) && prev.prompt === prompt && prev.maxNewTokens === maxNewTokens && sameEval(prev.evalOptions, evalOptions);
          const { engineOptions, run } = get().calibration;
          set((s) => ({
            preview: {
              ...s.preview,
              forRequest: req, forOptions: engineOptions, forCalibration: run, evalOptions, prompt, maxNewTokens,
              original: reuse ? prev.original : emptySide(origPlan, skipped),
              pruned: emptySide(plan, skipped),
              memory: null,
            },
          }));
          const sides: Side[] = reuse ? ['pruned'] : ['original', 'pruned'];
          const reqFor = (side: Side): PruneRequest | null => (side === 'original' ? null : req);

          await c.call('memory', {}, undefined, signal); // the peak is measured from here
          for (const side of sides) {
            step(`${side}: bits per byte on held-out text`);
            patch(side, { eval: await c.call('evaluate', { req: reqFor(side), text: heldOut, opts: evalOptions }, onProgress(), signal) });
          }
          const built: GpuMemory = await c.call('memory', {}, undefined, signal);
          set((s) => ({ preview: { ...s.preview, memory: built } }));

          if (!skipped.latency) {
            for (const side of sides) {
              step(`${side}: prefill and decode speed`);
              try {
                patch(side, { latency: await c.call('latency', { req: reqFor(side) }, onProgress(), signal) });
              } catch (e) {
                // streamed: the speed call may refuse; say why and go on with what can be shown
                if (!skipped.decode || isCancelled(e)) throw e;
                patch(side, { skipped: { ...skipped, latency: asWorkerError(e).message } });
              }
            }
          }
          if (!skipped.continuation) {
            for (const side of sides) {
              step(`${side}: greedy continuation`);
              patch(side, { continuation: '' });
              const onText = ctx.tracker((progress) => {
                set((s) => ({ preview: { ...s.preview, progress } }));
                if (progress.text != null) patch(side, { continuation: progress.text });
              });
              const text = await c.call('generate', { req: reqFor(side), prompt, maxNewTokens }, onText, signal);
              patch(side, { continuation: text, continuationDone: true });
            }
          }
          const end: GpuMemory = await c.call('memory', {}, undefined, signal);
          const memory = { allocatedBytes: built.allocatedBytes, peakBytes: Math.max(built.peakBytes, end.peakBytes) };
          set((s) => ({ preview: { ...s.preview, status: 'done', step: '', progress: null, memory } }));
        },
        // what was measured stays, for the request it was measured for; a side with nothing yet goes
        cancelled: () => set((s) => ({ preview: { ...s.preview, status: 'idle', step: '', progress: null, original: measured(s.preview.original), pruned: measured(s.preview.pruned) } })),
        failed: () => set((s) => ({ preview: { ...s.preview, status: 'failed', step: '', progress: null, original: measured(s.preview.original), pruned: measured(s.preview.pruned) } })),
      });
    },
  };
}
