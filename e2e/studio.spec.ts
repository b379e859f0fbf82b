// The studio end to end: pick the stories260K folder, calibrate, move both sliders by keyboard,
// preview (numbers fill in, the continuation streams), export the zip into a picked file and as a
// download, unzip it, and check the exported folder with the CLI against the preview. Then the GPU
// memory budget: validation, the placement line, and re-opening under a new budget.
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';

const ROOT = process.cwd();
const MODEL_DIR = join(ROOT, 'fixtures', 'stories260K');
const RESULTS = join(ROOT, 'test-results');
const HELDOUT = join(ROOT, 'public', 'heldout-default.txt');
// Small settings keep SwiftShader time low.
const CAL_SAMPLES = 4;
const CAL_TOKENS = 128;
const EVAL_TOKENS = 1024;
const EVAL_SEQ = 128;

interface FileSpec {
  path: string;
  base64: string;
}

function folderSpecs(dir: string, top: string, override: Record<string, Buffer> = {}): FileSpec[] {
  return readdirSync(dir)
    .filter((n) => n !== 'reference.json')
    .map((n) => ({ path: `${top}/${n}`, base64: (override[n] ?? readFileSync(join(dir, n))).toString('base64') }));
}

/** Builds File objects in the page and dispatches a drop on the drop zone. Constructed Files cannot
 *  carry webkitRelativePath, so each File is named by its path inside the folder. */
async function dropFolder(page: Page, files: FileSpec[]): Promise<void> {
  const dt = await page.evaluateHandle((specs) => {
    const dataTransfer = new DataTransfer();
    for (const s of specs) {
      const bin = atob(s.base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const name = s.path.split('/').pop()!;
      dataTransfer.items.add(new File([bytes], name));
    }
    return dataTransfer;
  }, files);
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dt });
}

/** Records every distinct text of the pruned continuation as it streams in. */
async function recordContinuation(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __continuation: string[] }).__continuation = seen;
    new MutationObserver(() => {
      const t = document.querySelector('[data-testid="continuation-pruned"] .generated')?.textContent;
      if (t != null && seen[seen.length - 1] !== t) seen.push(t);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** showSaveFilePicker answered with a file in the origin-private file system (no dialog in CI). */
async function stubSavePicker(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { showSaveFilePicker: unknown; __picked: string[] };
    w.__picked = [];
    w.showSaveFilePicker = async (opts?: { suggestedName?: string }) => {
      const name = opts?.suggestedName ?? 'export.zip';
      w.__picked.push(name);
      return (await navigator.storage.getDirectory()).getFileHandle(name, { create: true });
    };
  });
}

async function readPrivateFile(page: Page, name: string): Promise<Buffer> {
  const b64 = await page.evaluate(async (n) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  }, name);
  return Buffer.from(b64, 'base64');
}

function trackForeignRequests(page: Page): string[] {
  const foreign: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && !['data:', 'blob:'].includes(url.protocol)) foreign.push(req.url());
  });
  return foreign;
}

async function numberAttr(page: Page, testId: string): Promise<number> {
  const v = await page.getByTestId(testId).getAttribute('data-value');
  expect(v, `${testId} has a data-value`).toBeTruthy();
  return Number(v);
}

test('pick folder, calibrate, slide, preview, export zip; CLI agrees with the preview', async ({ page }) => {
  test.setTimeout(280_000);
  mkdirSync(RESULTS, { recursive: true });
  const foreign = trackForeignRequests(page);
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  await stubSavePicker(page);
  await page.goto('/');
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0); // WebGPU present
  await expect(page.getByTestId('device-line')).toContainText('max buffer');

  // The folder picker (webkitdirectory): the card is titled with the folder's name.
  await page.getByTestId('folder-input').setInputFiles(MODEL_DIR);
  const card = page.getByTestId('model-card');
  await expect(card).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('model-title')).toHaveText('stories260K');
  await expect(card).toContainText('512'); // vocabulary
  await expect(card).toContainText('172'); // FFN
  await expect(page.getByTestId('placement')).toHaveAttribute('data-mode', /^(resident|streamed)$/);
  await expect(page.getByTestId('error')).toHaveCount(0); // WebGPU probe and load both succeeded
  await page.screenshot({ path: join(RESULTS, 'studio-1-model.png'), fullPage: true });

  await page.getByTestId('cal-samples').fill(String(CAL_SAMPLES));
  await page.getByTestId('cal-tokens').fill(String(CAL_TOKENS));
  await page.getByTestId('calibrate').click();
  await expect(page.getByTestId('calibration-result')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('calibration-mode')).toHaveAttribute('data-mode', /^(exact|fast)$/);
  await expect(page.getByTestId('calibration-pending')).toHaveCount(0);

  // Both sliders by keyboard: focus, then PageDown (10% steps) and arrows.
  const vocab = page.getByTestId('vocab-keep');
  const ffn = page.getByTestId('ffn-keep');
  const vocabBefore = Number(await vocab.inputValue());
  const ffnBefore = Number(await ffn.inputValue());
  await vocab.focus();
  await page.keyboard.press('PageDown');
  await page.keyboard.press('ArrowLeft');
  await ffn.focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  const vocabKeep = Number(await vocab.inputValue());
  const ffnKeep = Number(await ffn.inputValue());
  expect(vocabKeep).toBeLessThan(vocabBefore);
  expect(ffnKeep).toBe(ffnBefore - 3);
  await expect(page.getByTestId('vocab-keep-value')).toHaveAttribute('data-value', String(vocabKeep));
  // pruned-params follows the sliders: the original minus the removed embedding rows (tied: no
  // separate LM head) and the removed gate/up/down channels of every layer.
  const modelConfig = JSON.parse(readFileSync(join(MODEL_DIR, 'config.json'), 'utf8')) as { hidden_size: number; num_hidden_layers: number; vocab_size: number; intermediate_size: number; tie_word_embeddings: boolean };
  const D = modelConfig.hidden_size;
  const headRows = modelConfig.tie_word_embeddings ? 1 : 2;
  await expect(async () => {
    const plan = await numberAttr(page, 'pruned-params');
    const original = Number(await page.getByTestId('pruned-params').getAttribute('data-original'));
    const removed = (modelConfig.vocab_size - vocabKeep) * D * headRows + modelConfig.num_hidden_layers * 3 * D * (modelConfig.intermediate_size - ffnKeep);
    expect(removed).toBeGreaterThan(0);
    expect(plan).toBe(original - removed);
    expect(plan).toBeLessThan(original);
  }).toPass();

  await page.getByTestId('preview-tokens').fill(String(EVAL_TOKENS));
  await page.getByTestId('preview-seq').fill(String(EVAL_SEQ));
  await recordContinuation(page);
  await page.getByTestId('preview').click();
  // bits per byte shows while the rest is still being measured; then speed, then the continuation
  await expect(page.getByTestId('preview-bpb')).not.toHaveAttribute('data-value', '', { timeout: 180_000 });
  await page.screenshot({ path: join(RESULTS, 'studio-2a-preview-running.png'), fullPage: true });
  const table = page.getByTestId('preview-table');
  await expect(table).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  const tokens = Number(await table.getAttribute('data-tokens'));
  const seq = Number(await table.getAttribute('data-seq'));
  expect([tokens, seq]).toEqual([EVAL_TOKENS, EVAL_SEQ]);
  const ppl = await numberAttr(page, 'preview-ppl');
  const bpb = await numberAttr(page, 'preview-bpb');
  const origBpb = await numberAttr(page, 'preview-bpb-original');
  expect(Number.isFinite(ppl) && ppl > 1).toBe(true);
  expect(bpb).toBeGreaterThan(0);
  expect(origBpb).toBeGreaterThan(0);
  await expect(page.getByTestId('preview-prefill')).not.toHaveAttribute('data-value', '');
  await expect(page.getByTestId('preview-decode')).not.toHaveAttribute('data-value', '');
  // The continuation streamed in: several growing texts, each a prefix of the final one.
  const finalText = (await page.getByTestId('continuation-pruned').locator('.generated').textContent()) ?? '';
  const streamed = await page.evaluate(() => (window as unknown as { __continuation: string[] }).__continuation);
  console.log(`continuation streamed in ${streamed.length} steps: ${JSON.stringify(streamed.slice(0, 4))} … ${JSON.stringify(finalText)}`);
  expect(finalText.length).toBeGreaterThan(0);
  expect(streamed[streamed.length - 1]).toBe(finalText);
  expect(streamed.filter((t) => t.length > 0 && t.length < finalText.length).length).toBeGreaterThanOrEqual(2); // updates land at most 10 times a second
  for (const t of streamed) expect(finalText.startsWith(t), `${JSON.stringify(t)} is a prefix of the final text`).toBe(true);
  // GPU memory read from the engine: the original stays resident beside the pruned preview, which
  // shares attention and norms with it and holds its own embedding and FFN tensors.
  const memory = page.getByTestId('preview-memory');
  const allocated = Number(await memory.getAttribute('data-allocated'));
  const peak = Number(await memory.getAttribute('data-peak'));
  const weights = await numberAttr(page, 'preview-weights');
  const origWeights = await numberAttr(page, 'preview-weights-original');
  const bytesPerParam = origWeights / (await numberAttr(page, 'preview-params-original'));
  const { num_attention_heads: H, num_key_value_heads: K, num_hidden_layers: L } = modelConfig as unknown as Record<string, number>;
  const E = (modelConfig as unknown as { head_dim?: number }).head_dim ?? D / H;
  const sharedBytes = (L * (2 * D * H * E + 2 * D * K * E) + (2 * L + 1) * D) * bytesPerParam; // q, o, k, v; norms
  const expected = origWeights + (weights - sharedBytes);
  console.log(`GPU memory: ${allocated} B allocated (at least ${expected}: original ${origWeights} + the preview's own ${weights - sharedBytes}), ${peak} B peak`);
  expect(weights).toBeLessThan(origWeights);
  expect(allocated).toBeGreaterThanOrEqual(expected);
  expect(peak).toBeGreaterThanOrEqual(allocated);
  await expect(page.getByTestId('preview-stale')).toHaveCount(0);
  await page.screenshot({ path: join(RESULTS, 'studio-2-preview.png'), fullPage: true });

  // A criterion change applies at once; the preview says it was measured under the old one.
  await page.getByTestId('cal-criterion').selectOption('act2');
  await expect(page.getByTestId('preview-stale')).toContainText('FFN criterion common act² (COMPACT) → act² (all tokens)');
  await page.getByTestId('cal-criterion').selectOption('common-act2');
  await expect(page.getByTestId('preview-stale')).toHaveCount(0);

  // Zip into a picked file (showSaveFilePicker, stubbed with an origin-private file): streamed there.
  await page.getByTestId('export-zip').check();
  await page.getByTestId('export').click();
  await expect(page.getByTestId('export-summary')).toBeVisible({ timeout: 120_000 });
  const picked = await page.evaluate(() => (window as unknown as { __picked: string[] }).__picked);
  expect(picked).toEqual(['stories260K-compact.zip']);
  const pickedZip = await readPrivateFile(page, picked[0]);
  await page.screenshot({ path: join(RESULTS, 'studio-3-export.png'), fullPage: true });

  // Without showSaveFilePicker the zip downloads when complete; same archive contents.
  await page.evaluate(() => delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export').click()]);
  expect(download.suggestedFilename()).toBe('stories260K-compact.zip');
  const zipPath = join(RESULTS, download.suggestedFilename());
  await download.saveAs(zipPath);
  const downloaded = unzipSync(new Uint8Array(readFileSync(zipPath)));
  const streamedZip = unzipSync(new Uint8Array(pickedZip));
  expect(Object.keys(streamedZip).sort()).toEqual(Object.keys(downloaded).sort());
  for (const [name, bytes] of Object.entries(downloaded)) expect(Buffer.from(streamedZip[name]).equals(Buffer.from(bytes)), name).toBe(true);

  const outDir = join(RESULTS, 'exported-stories260K');
  rmSync(outDir, { recursive: true, force: true });
  const entries = streamedZip;
  const names = Object.keys(entries);
  expect(names.some((n) => n.endsWith('.safetensors'))).toBe(true);
  expect(names.some((n) => n.endsWith('config.json'))).toBe(true);
  let modelDir = outDir;
  for (const [name, bytes] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const p = join(outDir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
    if (name.endsWith('config.json') && !name.includes('generation') && !name.includes('tokenizer')) modelDir = dirname(p);
  }
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { vocab_size: number; intermediate_size: number };
  expect(config.vocab_size).toBe(vocabKeep);
  expect(config.intermediate_size).toBe(ffnKeep);

  const stdout = execFileSync(
    process.execPath,
    ['bin/compact-studio.mjs', 'eval', '--model', modelDir, '--text', HELDOUT, '--tokens', String(tokens), '--seq', String(seq), '--json'],
    { cwd: ROOT, encoding: 'utf8', timeout: 180_000 },
  );
  const cli = JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as { ppl: number; bits_per_byte: number };
  console.log(`preview ppl ${ppl} bpb ${bpb} | CLI ppl ${cli.ppl} bpb ${cli.bits_per_byte}`);
  expect(Math.abs(cli.ppl - ppl)).toBeLessThan(1e-3);
  expect(Math.abs(cli.bits_per_byte - bpb)).toBeLessThan(1e-3);

  // Target size: sweep (V', I') pairs on the GPU, draw the front, apply the best with a click.
  await page.getByTestId('target-size').focus();
  await page.keyboard.press('ArrowLeft'); // 70% -> 69%
  await page.getByTestId('find-best').click();
  const sweepTable = page.getByTestId('sweep-table');
  await expect(sweepTable).toBeVisible({ timeout: 180_000 });
  const bestRow = sweepTable.locator('tr.best');
  await expect(bestRow).toHaveCount(1);
  const [bestV, bestI] = (await bestRow.locator('td').allTextContents()).slice(0, 2).map(Number);
  if (!(await bestRow.getByRole('button').isDisabled())) await bestRow.getByRole('button').click();
  await expect(vocab).toHaveValue(String(bestV));
  await expect(ffn).toHaveValue(String(bestI));
  await page.screenshot({ path: join(RESULTS, 'studio-4-sweep.png'), fullPage: true });

  // Settings survive a reload (localStorage), the model does not need to.
  await page.reload();
  const stored = await page.evaluate(() => localStorage.getItem('compact-studio.settings'));
  const settings = JSON.parse(stored ?? '{}').state.settings;
  expect(settings.calibration.samples).toBe(CAL_SAMPLES);
  expect(settings.eval).toEqual({ tokens: EVAL_TOKENS, seq: EVAL_SEQ });
  expect(settings.sliders.vocabKeep).toBe(bestV);

  expect(foreign, 'requests beyond the page origin').toEqual([]);
  expect(consoleErrors.filter((e) => !/favicon/i.test(e))).toEqual([]);
});

test('a corrupt safetensors file shows an error naming the file', async ({ page }) => {
  await page.goto('/');
  const corrupt = Buffer.alloc(4096, 0xff); // header length far beyond the file
  await dropFolder(page, folderSpecs(MODEL_DIR, 'stories260K', { 'model.safetensors': corrupt }));
  const error = page.getByTestId('error');
  await expect(error).toBeVisible({ timeout: 60_000 });
  await expect(error).toContainText('model.safetensors');
  await expect(error).toContainText(/what to do/i);
  await page.screenshot({ path: join(RESULTS, 'studio-error.png'), fullPage: true });
});

test('GPU memory budget: validation, the placement line, re-opening under a new budget', async ({ page }) => {
  test.setTimeout(200_000);
  await page.goto('/');
  const budget = page.getByTestId('gpu-budget');
  const apply = page.getByTestId('gpu-budget-apply');
  const message = page.getByTestId('gpu-budget-message');
  await expect(apply).toBeDisabled(); // nothing typed yet

  // Keyboard only: type, Enter; a clear message for what is not a size.
  await budget.fill('lots of memory');
  await budget.press('Enter');
  await expect(message).toHaveText('"lots of memory" is not a size: write a number and a unit, like 2GiB, 512 MiB or 4GB.');
  await expect(budget).toHaveAttribute('aria-invalid', 'true');
  await budget.fill('512');
  await apply.click();
  await expect(message).toContainText('"512" has no unit');
  await budget.fill('64 MiB');
  await budget.press('Enter');
  await expect(budget).toHaveAttribute('aria-invalid', 'false');
  await expect(apply).toBeDisabled(); // applied

  // Loose files (no folder): the card is titled from config.json (it records no name: the architecture).
  await dropFolder(page, folderSpecs(MODEL_DIR, 'stories260K'));
  await expect(page.getByTestId('model-card')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('model-title')).toHaveText('LlamaForCausalLM');
  await expect(page.getByTestId('placement')).toContainText(/^Runs (resident on the GPU|streamed, layer by layer): \S/);
  await expect(page.getByTestId('gpu-budget-current')).toHaveText('LlamaForCausalLM is open under 64.0 MiB (the studio setting).');

  // A new budget says first that it re-opens the model, then does.
  await page.evaluate(() => {
    const notes: string[] = [];
    (window as unknown as { __reopen: string[] }).__reopen = notes;
    new MutationObserver(() => {
      const t = document.querySelector('[data-testid="reopen-note"]')?.textContent;
      if (t && !notes.includes(t)) notes.push(t);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await budget.fill('2GiB');
  await expect(message).toHaveText('Applying opens LlamaForCausalLM again under the new budget: calibration and preview start over (settings are kept).');
  await expect(apply).toHaveText('Apply and re-open');
  await apply.click();
  await expect(page.getByTestId('gpu-budget-current')).toHaveText('LlamaForCausalLM is open under 2.00 GiB (the studio setting).', { timeout: 120_000 });
  expect(await page.evaluate(() => (window as unknown as { __reopen: string[] }).__reopen)).toEqual([
    'Opening LlamaForCausalLM again under a GPU memory budget of 2 GiB; calibration and preview start over (your settings are kept).',
  ]);
  await expect(page.getByTestId('calibrate')).toHaveText('Calibrate'); // a new session
  await page.screenshot({ path: join(RESULTS, 'studio-5-budget.png'), fullPage: true });

  // A budget between what a streamed pass holds and what resident needs: the model runs streamed,
  // and the preview shows what it can (bits per byte, prefill) and says why the rest is missing.
  const placement = page.getByTestId('placement');
  const residentNeed = Number(await placement.getAttribute('data-resident-need'));
  const streamedNeed = Number(await placement.getAttribute('data-streamed-need'));
  expect(streamedNeed).toBeLessThan(residentNeed);
  const kib = Math.floor((residentNeed + streamedNeed) / 2 / 1024);
  await budget.fill(`${kib} KiB`);
  await budget.press('Enter');
  await expect(placement).toHaveAttribute('data-mode', 'streamed', { timeout: 120_000 });
  await expect(placement).toContainText('Runs streamed, layer by layer');
  await expect(page.getByTestId('placement-unavailable')).toContainText('decode latency, generation');
  await page.getByTestId('cal-samples').fill('2');
  await page.getByTestId('cal-tokens').fill('64');
  await page.getByTestId('calibrate').click();
  await expect(page.getByTestId('calibration-result')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('preview-tokens').fill('256');
  await page.getByTestId('preview-seq').fill('64');
  await page.getByTestId('preview').click();
  await expect(page.getByTestId('preview-table')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  expect(await numberAttr(page, 'preview-bpb')).toBeGreaterThan(0);
  expect(await numberAttr(page, 'preview-prefill')).toBeGreaterThan(0);
  await expect(page.getByTestId('preview-decode')).toHaveText('needs resident model');
  await expect(page.getByTestId('continuation-pruned')).toContainText('Not generated. Needs the whole model on the GPU');
  await expect(page.getByTestId('preview-skipped')).toContainText('decode speed and the continuation');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await page.screenshot({ path: join(RESULTS, 'studio-6-streamed.png'), fullPage: true });

  // The budget is a setting: it survives a reload.
  await page.reload();
  await expect(budget).toHaveValue(`${kib} KiB`);
  await expect(page.getByTestId('error')).toHaveCount(0);
});
