// The studio end to end: drop stories260K, calibrate, move both sliders by keyboard, preview,
// export the zip, unzip it, and check the exported folder with the CLI against the preview.
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

test('drop, calibrate, slide, preview, export zip; CLI agrees with the preview', async ({ page }) => {
  test.setTimeout(280_000);
  mkdirSync(RESULTS, { recursive: true });
  const foreign = trackForeignRequests(page);
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  await page.goto('/');
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0); // WebGPU present

  await dropFolder(page, folderSpecs(MODEL_DIR, 'stories260K'));
  const card = page.getByTestId('model-card');
  await expect(card).toBeVisible({ timeout: 120_000 });
  await expect(card).toContainText('512'); // vocabulary
  await expect(card).toContainText('172'); // FFN
  await expect(page.getByTestId('error')).toHaveCount(0); // WebGPU probe and load both succeeded
  await page.screenshot({ path: join(RESULTS, 'studio-1-model.png'), fullPage: true });

  await page.getByTestId('cal-samples').fill(String(CAL_SAMPLES));
  await page.getByTestId('cal-tokens').fill(String(CAL_TOKENS));
  await page.getByTestId('calibrate').click();
  await expect(page.getByTestId('calibration-result')).toBeVisible({ timeout: 120_000 });

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
  // pruned-params follows the sliders and is below the original total.
  await expect(async () => {
    const plan = await numberAttr(page, 'pruned-params');
    expect(plan).toBeGreaterThan(0);
    expect(await page.getByTestId('pruned-params').textContent()).toMatch(/\d/);
  }).toPass();

  await page.getByTestId('preview-tokens').fill(String(EVAL_TOKENS));
  await page.getByTestId('preview-seq').fill(String(EVAL_SEQ));
  await page.getByTestId('preview').click();
  await expect(page.getByTestId('preview-bpb')).not.toHaveAttribute('data-value', '', { timeout: 180_000 });
  const table = page.getByTestId('preview-table');
  const tokens = Number(await table.getAttribute('data-tokens'));
  const seq = Number(await table.getAttribute('data-seq'));
  expect([tokens, seq]).toEqual([EVAL_TOKENS, EVAL_SEQ]);
  const ppl = await numberAttr(page, 'preview-ppl');
  const bpb = await numberAttr(page, 'preview-bpb');
  const origBpb = await numberAttr(page, 'preview-bpb-original');
  expect(Number.isFinite(ppl) && ppl > 1).toBe(true);
  expect(bpb).toBeGreaterThan(0);
  expect(origBpb).toBeGreaterThan(0);
  await expect(page.getByTestId('continuation-pruned')).not.toHaveText('…');
  await page.screenshot({ path: join(RESULTS, 'studio-2-preview.png'), fullPage: true });

  await page.getByTestId('export-zip').check();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export').click()]);
  const zipPath = join(RESULTS, download.suggestedFilename());
  await download.saveAs(zipPath);
  await expect(page.getByTestId('export-summary')).toBeVisible();
  await page.screenshot({ path: join(RESULTS, 'studio-3-export.png'), fullPage: true });

  const outDir = join(RESULTS, 'exported-stories260K');
  rmSync(outDir, { recursive: true, force: true });
  const entries = unzipSync(new Uint8Array(readFileSync(zipPath)));
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
