// Calibration slice: the text, the pass itself, and the options a calibrated engine switches at
// once (vocabulary order, criterion, closure: setOptions, no new pass). Samples, tokens per sample
// and the text need a new pass; stale.ts says so until one ran.
import type { StoreContext } from '../context';
import { textFromUpload } from '../derive';
import type { Planner } from './plan';
import { sameOptions, selectionOptions } from '../stale';
import type { SelectionOptions } from '../../worker/protocol';
import type { StudioActions, StudioData } from '../types';

export const CALIBRATION_TEXT = 'calibration-default.txt';
const BUILT_IN_KEY = 'built-in';

export function calibrationData(): Pick<StudioData, 'calibration'> {
  return {
    calibration: { status: 'idle', progress: null, result: null, textName: CALIBRATION_TEXT, textChars: 0, textKey: BUILT_IN_KEY, ranWith: null, engineOptions: null, run: 0 },
  };
}

/** Name, length and a 32-bit FNV-1a hash: tells two uploads apart without keeping the text in the state. */
function textKey(name: string, text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${name}:${text.length}:${(h >>> 0).toString(16)}`;
}

type CalibrationActions = Pick<StudioActions, 'updateCalibration' | 'useCustomText' | 'useDefaultText' | 'calibrate'>;

export function calibrationSlice(ctx: StoreContext, planner: Planner): CalibrationActions {
  const { set, get } = ctx;
  // The options last sent to the engine (a setOptions may still be in flight).
  let sent: SelectionOptions | null = null;

  /** Brings the engine's options to the settings' (after a change, or after a calibration). */
  const syncOptions = async () => {
    const { calibration: cal, model, settings } = get();
    if (!cal.result || !cal.engineOptions || model.status !== 'ready') return;
    const want = selectionOptions(settings.calibration);
    if (sameOptions(want, sent ?? cal.engineOptions)) return;
    sent = want;
    try {
      await ctx.client().call('setOptions', want);
      set((s) => ({ calibration: { ...s.calibration, engineOptions: want } }));
      await planner.refresh(true); // kept-by-reason follows order and closure
    } catch (e) {
      sent = get().calibration.engineOptions;
      ctx.fail(e);
    }
  };

  return {
    async updateCalibration(patch) {
      set((s) => ({ settings: { ...s.settings, calibration: { ...s.settings.calibration, ...patch } } }));
      if ('vocabOrder' in patch || 'criterion' in patch || 'closure' in patch || 'countSpan' in patch) await syncOptions();
    },

    useCustomText(name, content) {
      try {
        const text = textFromUpload(name, content);
        ctx.work.customText = text;
        set((s) => ({ calibration: { ...s.calibration, textName: name, textChars: text.length, textKey: textKey(name, text) } }));
      } catch (e) {
        ctx.fail(e);
      }
    },
    useDefaultText() {
      ctx.work.customText = null;
      set((s) => ({ calibration: { ...s.calibration, textName: CALIBRATION_TEXT, textChars: 0, textKey: BUILT_IN_KEY } }));
    },

    async calibrate() {
      const summary = get().model.summary;
      if (!summary) return;
      await ctx.longCall({
        operation: 'calibrate',
        start: () => set((s) => ({ calibration: { ...s.calibration, status: 'running', progress: null } })),
        run: async (signal) => {
          const opts = get().settings.calibration;
          const { textName, textKey: key } = get().calibration;
          const custom = ctx.work.customText;
          const text = custom ?? (await ctx.builtIn(CALIBRATION_TEXT));
          set((s) => ({ calibration: { ...s.calibration, textChars: text.length } }));
          const c = ctx.client();
          const result = await c.call('calibrate', { text, opts }, ctx.tracker((progress) => set((s) => ({ calibration: { ...s.calibration, progress } }))), signal);
          sent = selectionOptions(opts);
          // Sliders: keep the user's positions for this model, else start at 75% of each.
          const { sliders } = get().settings;
          const same = sliders.forModel === summary.label;
          const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));
          const vocabKeep = clamp(same && sliders.vocabKeep != null ? sliders.vocabKeep : summary.vocabSize * 0.75, result.minVocab, summary.vocabSize);
          const ffnKeep = clamp(same && sliders.ffnKeep != null ? sliders.ffnKeep : summary.intermediate * 0.75, 1, summary.intermediate);
          const original = await c.call('plan', { vocabKeep: summary.vocabSize, ffnKeep: summary.intermediate });
          set((s) => ({
            calibration: {
              ...s.calibration,
              status: 'done',
              progress: null,
              result,
              ranWith: { samples: opts.samples, sampleTokens: opts.sampleTokens, textName, textKey: key },
              engineOptions: selectionOptions(opts),
              run: s.calibration.run + 1,
            },
            plan: { original, current: null },
            settings: { ...s.settings, sliders: { vocabKeep, ffnKeep, forModel: summary.label } },
          }));
          await planner.refresh();
          await syncOptions(); // options changed while the pass ran apply now
        },
        // the engine keeps its previous calibration, so the previous result stays valid
        cancelled: () => set((s) => ({ calibration: { ...s.calibration, status: s.calibration.result ? 'done' : 'idle', progress: null } })),
        failed: () => set((s) => ({ calibration: { ...s.calibration, status: 'failed' } })),
      });
    },
  };
}
