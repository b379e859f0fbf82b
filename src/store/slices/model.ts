// Model slice: the GPU probe, opening a dropped folder (under the GPU memory budget), reopening it.
import { formatByteSize } from '../../engine/byte-size';
import type { StoreContext } from '../context';
import { gpuBudgetBytes, type Settings } from '../settings';
import type { DroppedFile } from '../../worker/protocol';
import type { StudioActions, StudioData } from '../types';

export function modelData(): Pick<StudioData, 'model' | 'load'> {
  return { model: { status: 'empty', label: null, summary: null, device: null, fileCount: 0, reopenNote: null }, load: null };
}

type ModelActions = Pick<StudioActions, 'probeGpu' | 'loadModel' | 'reloadModel' | 'setGpuBudget'>;

/** `fresh(settings)`: every slice's initial data, for a newly opened model. */
export function modelSlice(ctx: StoreContext, fresh: (settings: Settings) => StudioData): ModelActions {
  const { set, get } = ctx;
  // A later open supersedes an earlier one still in the worker's queue.
  let openTicket = 0;

  const open = async (label: string, files: DroppedFile[], reopenNote: string | null) => {
    ctx.work.lastFiles = { label, files };
    const ticket = ++openTicket;
    const { settings, model, calibration } = get();
    const base = fresh(settings);
    set({
      ...base,
      // the chosen text is a setting of the page, not of the model
      calibration: { ...base.calibration, textName: calibration.textName, textChars: calibration.textChars, textKey: calibration.textKey },
      model: { status: 'loading', label, summary: null, device: model.device, fileCount: files.length, reopenNote },
    });
    try {
      const gpuMemoryBytes = gpuBudgetBytes(settings.gpuMemory);
      const { summary, device } = await ctx.client().call('open', { label, files, gpuMemoryBytes }, ctx.tracker((load) => ticket === openTicket && set({ load })));
      if (ticket === openTicket) set({ model: { status: 'ready', label, summary, device, fileCount: files.length, reopenNote: null } });
    } catch (e) {
      if (ticket !== openTicket) return;
      set((s) => ({ model: { ...s.model, status: 'empty', reopenNote: null } }));
      ctx.fail(e);
    }
  };

  return {
    async probeGpu() {
      try {
        const device = await ctx.client().call('probe', {});
        set((s) => ({ model: { ...s.model, device: s.model.device ?? device } }));
      } catch (e) {
        ctx.fail(e);
      }
    },

    loadModel: (label, files) => open(label, files, null),

    async reloadModel() {
      const last = ctx.work.lastFiles;
      if (!last) {
        set({ error: { kind: 'no-model', message: 'There is no model to reload.', fix: 'Drop the model folder again.' } });
        return;
      }
      await open(last.label, last.files, null);
    },

    setGpuBudget(text) {
      let bytes: number | undefined;
      try {
        bytes = gpuBudgetBytes(text);
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      }
      const gpuMemory = text.trim();
      if (gpuMemory === get().settings.gpuMemory) return { ok: true, reopening: false };
      set((s) => ({ settings: { ...s.settings, gpuMemory } }));
      const last = ctx.work.lastFiles;
      if (!last) return { ok: true, reopening: false };
      const budget = bytes === undefined ? "the engine's default GPU memory budget" : `a GPU memory budget of ${formatByteSize(bytes)}`;
      void open(last.label, last.files, `Opening ${last.label} again under ${budget}; calibration and preview start over (your settings are kept).`);
      return { ok: true, reopening: true };
    },
  };
}
